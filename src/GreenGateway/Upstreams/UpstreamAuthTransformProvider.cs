using System.Net.Http.Headers;
using GreenGateway.Configuration;
using GreenGateway.Proxy;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace GreenGateway.Upstreams;

/// <summary>Adds the upstream's own key to forwarded requests and the gateway's response handling.</summary>
internal sealed class UpstreamAuthTransformProvider(IOptions<GatewayConfig> config) : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        var upstreams = config.Value.Upstreams;
        context.AddResponseTransform(GatewayResponseTransform.ApplyAsync);
        if (!AnyHasKey(upstreams))
        {
            return; // nothing to add: no per-request step at all
        }

        context.AddRequestTransform(transform =>
        {
            var cluster = transform.HttpContext.Features.Get<IReverseProxyFeature>()?.Cluster.Config.ClusterId;
            if (cluster is not null && upstreams.TryGetValue(cluster, out var upstream) && upstream.ResolveApiKey() is { Length: > 0 } key)
            {
                transform.ProxyRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }

            return ValueTask.CompletedTask;
        });
    }

    private static bool AnyHasKey(IReadOnlyDictionary<string, UpstreamOptions> upstreams)
    {
        foreach (var upstream in upstreams.Values)
        {
            if (!string.IsNullOrEmpty(upstream.ApiKey) || !string.IsNullOrEmpty(upstream.ApiKeyEnvironmentVariable))
            {
                return true;
            }
        }

        return false;
    }
}
