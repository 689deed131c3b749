using System.Globalization;
using GreenGateway.Configuration;
using GreenGateway.Routing;
using Yarp.ReverseProxy.Configuration;

namespace GreenGateway.Upstreams;

/// <summary>Translates the gateway's upstreams into YARP routes and clusters.</summary>
internal static class ProxyConfigBuilder
{
    public const string ConnectTimeoutKey = "gg.connect-timeout-seconds";

    public static (IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters) Build(GatewayConfig config)
    {
        // One route per accounted endpoint, carrying its kind: the gateway's middleware classifies a request by the route
        // YARP matched (paths are normalized before routing, Routing/PathNormalizer), then reassigns it to the cluster of
        // its model. Every other /v1 path takes the catch-all route to the pass-through upstream.
        IReadOnlyList<IReadOnlyDictionary<string, string>> transforms =
        [
            // Destinations carry the API prefix (http://host:8000/v1), so /v1/chat/completions
            // becomes {destination}/chat/completions.
            new Dictionary<string, string> { ["PathRemovePrefix"] = "/v1" },

            // The tenant's key is the gateway's business, never the upstream's.
            new Dictionary<string, string> { ["RequestHeaderRemove"] = "Authorization" },
        ];
        var routes = new List<RouteConfig>();
        foreach (var (path, kind) in AccountedEndpoints.All)
        {
            routes.Add(new RouteConfig
            {
                RouteId = AccountedEndpoints.RouteId(kind),
                ClusterId = config.DefaultUpstream,
                Order = 1,
                Match = new RouteMatch { Path = path },
                Metadata = new Dictionary<string, string> { [AccountedEndpoints.MetadataKey] = kind.ToString() },
                Transforms = transforms,
            });
        }

        routes.Add(new RouteConfig
        {
            RouteId = AccountedEndpoints.PassThroughRouteId,
            ClusterId = config.DefaultUpstream,
            Order = 1000,
            Match = new RouteMatch { Path = "/v1/{**rest}" },
            Transforms = transforms,
        });

        var clusters = new List<ClusterConfig>();
        foreach (var (name, upstream) in config.Upstreams)
        {
            clusters.Add(BuildCluster(name, upstream));
        }

        return (routes, clusters);
    }

    private static ClusterConfig BuildCluster(string name, UpstreamOptions upstream)
    {
        var destinations = new Dictionary<string, DestinationConfig>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < upstream.Destinations.Count; i++)
        {
            destinations[$"{name}-{i}"] = new DestinationConfig { Address = upstream.Destinations[i] };
        }

        var active = !string.IsNullOrEmpty(upstream.HealthCheckPath);
        return new ClusterConfig
        {
            ClusterId = name,
            Destinations = destinations,
            LoadBalancingPolicy = upstream.LoadBalancing,
            HealthCheck = new HealthCheckConfig
            {
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = active,
                    Interval = TimeSpan.FromSeconds(upstream.HealthCheckIntervalSeconds),
                    Timeout = TimeSpan.FromSeconds(upstream.ConnectTimeoutSeconds + 2),
                    Policy = "ConsecutiveFailures",
                    Path = active ? upstream.HealthCheckPath : null,
                },
                Passive = new PassiveHealthCheckConfig
                {
                    Enabled = true,
                    Policy = "TransportFailureRate",
                    ReactivationPeriod = TimeSpan.FromSeconds(upstream.PassiveReactivationSeconds),
                },
            },
            HttpRequest = new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig
            {
                ActivityTimeout = TimeSpan.FromSeconds(upstream.ResponseTimeoutSeconds),
            },
            Metadata = new Dictionary<string, string>
            {
                [ConnectTimeoutKey] = upstream.ConnectTimeoutSeconds.ToString(CultureInfo.InvariantCulture),

                // One failed active check takes a destination out (YARP's default is two), so that /readyz reports an
                // unreachable upstream within one health-check interval of the gateway's start.
                ["ConsecutiveFailuresHealthPolicy.Threshold"] = "1",
            },
        };
    }
}
