using System.Globalization;
using Yarp.ReverseProxy.Forwarder;

namespace GreenGateway.Upstreams;

/// <summary>YARP's client factory plus a connect timeout per upstream, so that a black-holed
/// destination fails fast and the request is retried elsewhere.</summary>
internal sealed class UpstreamHttpClientFactory : ForwarderHttpClientFactory
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        if (context.NewMetadata?.TryGetValue(ProxyConfigBuilder.ConnectTimeoutKey, out var text) == true
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            handler.ConnectTimeout = TimeSpan.FromSeconds(seconds);
        }
    }
}
