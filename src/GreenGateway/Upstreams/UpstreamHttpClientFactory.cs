using System.Globalization;
using GreenGateway.Configuration;
using GreenGateway.Telemetry;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace GreenGateway.Upstreams;

/// <summary>YARP's client factory plus a connect timeout per upstream, so that a black-holed
/// destination fails fast and the request is retried elsewhere.</summary>
internal sealed class UpstreamHttpClientFactory(IOptions<GatewayConfig> config, UpstreamLatency latency) : ForwarderHttpClientFactory
{
    private readonly bool _tracing = GatewayTelemetry.ExportsTo(config.Value.Telemetry) is not null;

    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        if (context.NewMetadata?.TryGetValue(ProxyConfigBuilder.ConnectTimeoutKey, out var text) == true
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            handler.ConnectTimeout = TimeSpan.FromSeconds(seconds);
        }

        if (!_tracing)
        {
            // Without a trace exporter there is no trace to propagate: no propagator takes HttpClient's
            // DiagnosticsHandler out of the handler chain (SocketsHttpHandler adds it only with one), and with it
            // a per-request async layer and a traceparent header. A client's own traceparent is still forwarded,
            // as any other header. With an exporter, YARP's ReverseProxyPropagator stays.
            handler.ActivityHeadersPropagator = null;
        }
    }

    /// <summary>Every model call to the cluster is timed (<see cref="UpstreamLatency"/>): the cluster is the upstream.</summary>
    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler) =>
        new UpstreamLatency.TimingHandler(latency, context.ClusterId) { InnerHandler = base.WrapHandler(context, handler) };
}
