using GreenGateway.Configuration;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace GreenGateway.Telemetry;

/// <summary>
/// OpenTelemetry through the SDK's own builders (the hosting and instrumentation packages are not
/// served here): ASP.NET Core's, HttpClient's and YARP's built-in sources and meters, plus the
/// gateway's, exported over OTLP when an endpoint is configured. Without one nothing is exported.
/// </summary>
internal static class GatewayTelemetry
{
    private static readonly string[] Sources = ["Microsoft.AspNetCore", "System.Net.Http", "Yarp.ReverseProxy", GatewayMetrics.MeterName];

    private static readonly string[] Meters =
        ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "Yarp.ReverseProxy", GatewayMetrics.MeterName];

    public static void Add(IServiceCollection services, TelemetryOptions options)
    {
        var endpoint = options.OtlpEndpoint ?? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT");
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return;
        }

        var protocol = options.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        var resource = ResourceBuilder.CreateDefault().AddService(options.ServiceName);

        // With http/protobuf an explicitly set endpoint is used as is, so the signal's path is added here.
        Uri For(string signal) => new(protocol == OtlpExportProtocol.Grpc ? endpoint : endpoint.TrimEnd('/') + "/v1/" + signal);

        var tracing = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(Sources)
            .AddOtlpExporter(o => { o.Endpoint = For("traces"); o.Protocol = protocol; })
            .Build();
        var metrics = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(Meters)
            .AddOtlpExporter((o, reader) =>
            {
                o.Endpoint = For("metrics");
                o.Protocol = protocol;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 10_000;
            })
            .Build();

        // Disposed with the host, which flushes what is still buffered.
        services.AddSingleton(tracing);
        services.AddSingleton(metrics);
    }
}
