using System.Text.Json;
using GreenGateway.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace GreenGateway.Endpoints;

/// <summary>
/// <c>/healthz</c>: the process is alive. <c>/readyz</c>: every upstream has at least one destination
/// that health checks have not taken out (503 with the details otherwise). Health states are read
/// directly: YARP's default availability policy sends traffic to every destination when none is
/// healthy ("panic" mode), which keeps serving but must not look ready.
/// </summary>
internal static class HealthEndpoints
{
    public static IResult Live() => Results.Text("ok");

    public static async Task ReadyAsync(HttpContext context, IProxyStateLookup proxy, IOptions<GatewayConfig> config, IActiveHealthCheckMonitor monitor)
    {
        // Until the first round of active checks has run, a dead upstream would look healthy ("unknown").
        var probed = monitor.InitialProbeCompleted;
        var ready = probed;
        var redis = context.RequestServices.GetService<IConnectionMultiplexer>();

        // Fail-open keeps serving without Redis (charges are journalled), so only fail-closed depends on it.
        if (redis is { IsConnected: false } && config.Value.Redis.FailMode == "fail-closed")
        {
            ready = false;
        }

        context.Response.ContentType = "application/json";
        var clusters = proxy.GetClusters().ToList();
        foreach (var cluster in clusters)
        {
            ready &= Healthy(cluster) > 0;
        }

        context.Response.StatusCode = ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", ready ? "ready" : "not_ready");
        if (!probed)
        {
            json.WriteString("reason", "the first upstream health checks have not finished");
        }
        if (redis is not null)
        {
            json.WriteString("redis", redis.IsConnected ? "connected" : "disconnected");
        }

        json.WriteStartObject("upstreams");
        foreach (var cluster in clusters)
        {
            json.WriteStartObject(cluster.ClusterId);
            json.WriteNumber("destinations", cluster.Destinations.Count);
            json.WriteNumber("healthy", Healthy(cluster));
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static int Healthy(ClusterState cluster)
    {
        var healthy = 0;
        foreach (var destination in cluster.Destinations.Values)
        {
            if (destination.Health.Active != DestinationHealth.Unhealthy && destination.Health.Passive != DestinationHealth.Unhealthy)
            {
                healthy++;
            }
        }

        return healthy;
    }
}
