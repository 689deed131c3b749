using System.Globalization;
using GreenGateway.Configuration;
using Yarp.ReverseProxy.Configuration;

namespace GreenGateway.Upstreams;

/// <summary>Translates the gateway's upstreams into YARP routes and clusters.</summary>
internal static class ProxyConfigBuilder
{
    public const string RouteId = "gg-v1";
    public const string ConnectTimeoutKey = "gg.connect-timeout-seconds";

    public static (IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters) Build(GatewayConfig config)
    {
        // One catch-all route: the gateway's middleware reassigns each interpreted request to the
        // cluster of its model; everything else goes to the pass-through upstream unchanged.
        var route = new RouteConfig
        {
            RouteId = RouteId,
            ClusterId = config.DefaultUpstream,
            Order = 1000,
            Match = new RouteMatch { Path = "/v1/{**rest}" },
            Transforms =
            [
                // Destinations carry the API prefix (http://host:8000/v1), so /v1/chat/completions
                // becomes {destination}/chat/completions.
                new Dictionary<string, string> { ["PathRemovePrefix"] = "/v1" },

                // The tenant's key is the gateway's business, never the upstream's.
                new Dictionary<string, string> { ["RequestHeaderRemove"] = "Authorization" },
            ],
        };

        var clusters = new List<ClusterConfig>();
        foreach (var (name, upstream) in config.Upstreams)
        {
            clusters.Add(BuildCluster(name, upstream));
        }

        return ([route], clusters);
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
            },
        };
    }
}
