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
        ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "Yarp.ReverseProxy", GatewayMetrics.MeterName, "GreenGateway.Redis"];

    /// <summary>The OTLP endpoint telemetry is exported to (configuration, else OTEL_EXPORTER_OTLP_ENDPOINT), or null when none is set.</summary>
    public static string? ExportsTo(TelemetryOptions options) =>
        (options.OtlpEndpoint ?? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")) is { } endpoint && !string.IsNullOrWhiteSpace(endpoint) ? endpoint : null;

    /// <summary>The logging category of ASP.NET Core's per-request diagnostics (HostingApplicationDiagnostics).</summary>
    public const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static void Add(IServiceCollection services, TelemetryOptions options)
    {
        if (ExportsTo(options) is not { } endpoint)
        {
            // ASP.NET Core starts an Activity and a log scope for every request whenever this category is
            // enabled at any level (HostingApplicationDiagnostics.BeginRequest checks IsEnabled(Critical)), and an
            // Activity.Current makes HttpClient add trace headers upstream. Without an exporter nobody reads them,
            // and they cost CPU on every request (docs/benchmarks.md, pass-through). The category's
            // own messages are the per-request start/finish lines (Information, off by default anyway) and
            // start-up failures, which still end the process with the exception on stderr.
            services.AddLogging(logging => logging.AddFilter(HostingDiagnosticsCategory, LogLevel.None));
            return;
        }

        var protocol = options.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        var resource = ResourceBuilder.CreateDefault().AddService(options.ServiceName);

        services.AddSingleton(_ => new TelemetryExport(BuildTracing(resource, endpoint, protocol), BuildMetrics(resource, endpoint, protocol)));
    }

    /// <summary>Starts exporting, when configured; the providers stop (and flush) with the host.</summary>
    public static void Start(IServiceProvider services) => services.GetService<TelemetryExport>();

    // With http/protobuf an explicitly set endpoint is used as is, so the signal's path is added here.
    private static Uri For(string endpoint, OtlpExportProtocol protocol, string signal) =>
        new(protocol == OtlpExportProtocol.Grpc ? endpoint : endpoint.TrimEnd('/') + "/v1/" + signal);

    private static TracerProvider BuildTracing(ResourceBuilder resource, string endpoint, OtlpExportProtocol protocol) =>
        Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(Sources)
            .AddOtlpExporter(o => { o.Endpoint = For(endpoint, protocol, "traces"); o.Protocol = protocol; })
            .Build();

    private static MeterProvider BuildMetrics(ResourceBuilder resource, string endpoint, OtlpExportProtocol protocol) =>
        Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(Meters)
            .AddOtlpExporter((o, reader) =>
            {
                o.Endpoint = For(endpoint, protocol, "metrics");
                o.Protocol = protocol;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 10_000;
            })
            .Build();

    /// <summary>Created by the container, so disposed by it when the host stops: disposing flushes.</summary>
    private sealed class TelemetryExport(TracerProvider tracing, MeterProvider metrics) : IDisposable
    {
        public void Dispose()
        {
            tracing.Dispose();
            metrics.Dispose();
        }
    }
}
