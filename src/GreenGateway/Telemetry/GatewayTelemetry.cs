using GreenGateway.Configuration;
using GreenGateway.Redis;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace GreenGateway.Telemetry;

/// <summary>
/// OpenTelemetry through its hosting extension (<c>AddOpenTelemetry</c>), started and stopped (flushed) with the host.
/// Metrics: the gateway's meter, the Redis layer's, and ASP.NET Core's server and HttpClient's client metrics through
/// their instrumentations; served on <c>/metrics</c> in Prometheus's format (unless <c>Telemetry:Prometheus:Enabled</c>
/// is false) and exported over OTLP when an endpoint is set. Traces: ASP.NET Core, HttpClient and YARP, over OTLP only.
/// </summary>
internal static class GatewayTelemetry
{
    private static readonly string[] Meters = [GatewayMetrics.MeterName, RedisMetrics.MeterName, "Microsoft.AspNetCore.Server.Kestrel"];

    private static readonly string[] Sources = ["Yarp.ReverseProxy", GatewayMetrics.MeterName];

    /// <summary>The OTLP endpoint telemetry is exported to (configuration, else OTEL_EXPORTER_OTLP_ENDPOINT), or null when none is set.</summary>
    public static string? ExportsTo(TelemetryOptions options) =>
        (options.OtlpEndpoint ?? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")) is { } endpoint && !string.IsNullOrWhiteSpace(endpoint) ? endpoint : null;

    /// <summary>The logging category of ASP.NET Core's per-request diagnostics (HostingApplicationDiagnostics).</summary>
    public const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static void Add(IServiceCollection services, TelemetryOptions options)
    {
        var otlp = ExportsTo(options);
        if (otlp is null)
        {
            // ASP.NET Core starts an Activity and a log scope for every request whenever this category is
            // enabled at any level (HostingApplicationDiagnostics.BeginRequest checks IsEnabled(Critical)), and an
            // Activity.Current makes HttpClient add trace headers upstream. Without a trace exporter nobody reads them,
            // and they cost CPU on every request (docs/benchmarks.md, pass-through). The category's
            // own messages are the per-request start/finish lines (Information, off by default anyway) and
            // start-up failures, which still end the process with the exception on stderr. Metrics do not need it.
            services.AddLogging(logging => logging.AddFilter(HostingDiagnosticsCategory, LogLevel.None));
        }

        if (otlp is null && !options.Prometheus.Enabled)
        {
            return;
        }

        var protocol = options.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService(options.ServiceName));
        telemetry.WithMetrics(metrics =>
        {
            // AddAspNetCoreInstrumentation and AddHttpClientInstrumentation subscribe to .NET's own meters on .NET 8+
            // (Microsoft.AspNetCore.Hosting: http.server.*; System.Net.Http: http.client.*, which YARP's calls report too).
            metrics.AddMeter(Meters).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
            if (options.Prometheus.Enabled)
            {
                metrics.AddPrometheusExporter();
            }

            if (otlp is not null)
            {
                metrics.AddOtlpExporter((o, reader) =>
                {
                    o.Endpoint = For(otlp, protocol, "metrics");
                    o.Protocol = protocol;
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 10_000;
                });
            }
        });

        if (otlp is not null)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(Sources)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddOtlpExporter(o => { o.Endpoint = For(otlp, protocol, "traces"); o.Protocol = protocol; }));
        }
    }

    /// <summary>
    /// Maps the Prometheus endpoint when enabled. It is outside <c>/v1</c>, so neither the tenant check nor the proxy sees
    /// it: operators scrape it without a key (docs/operations.md says where to expose it). With
    /// <see cref="PrometheusOptions.Port"/> it answers only on that port.
    /// </summary>
    public static void MapEndpoints(WebApplication app, TelemetryOptions options)
    {
        if (!options.Prometheus.Enabled)
        {
            return;
        }

        var endpoint = app.MapPrometheusScrapingEndpoint(options.Prometheus.Path);
        if (options.Prometheus.Port is { } port)
        {
            endpoint.RequireHost($"*:{port}");
        }
    }

    // With http/protobuf an explicitly set endpoint is used as is, so the signal's path is added here.
    private static Uri For(string endpoint, OtlpExportProtocol protocol, string signal) =>
        new(protocol == OtlpExportProtocol.Grpc ? endpoint : endpoint.TrimEnd('/') + "/v1/" + signal);
}
