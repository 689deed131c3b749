using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace GreenGateway.Upstreams;

/// <summary>
/// Calls of the gateway's own to an upstream (speculative verification, embeddings) through the same YARP cluster as
/// forwarded requests: only destinations health checks have not taken out, picked by the cluster's load-balancing
/// policy, counted in its concurrency, sent on its HTTP client (connect timeout, no proxy), retried on another
/// destination after a transport failure or a 502/503/504, and reported to passive health checks.
/// </summary>
internal sealed class ClusterClient(IProxyStateLookup proxy, IEnumerable<ILoadBalancingPolicy> balancers, IEnumerable<IPassiveHealthCheckPolicy> passive,
    Microsoft.Extensions.Options.IOptions<Configuration.GatewayConfig> options)
{
    private readonly Dictionary<string, ILoadBalancingPolicy> _balancers = balancers.ToDictionary(static b => b.Name, StringComparer.OrdinalIgnoreCase);
    private readonly IPassiveHealthCheckPolicy? _transportFailures = passive.FirstOrDefault(static p => p.Name == "TransportFailureRate");

    /// <summary>
    /// Sends the request <paramref name="build"/> makes for a destination's base address (with the API prefix, e.g.
    /// http://host:8000/v1) and returns the first response that is not a retryable failure, or null when every attempt
    /// failed. The caller disposes the response.
    /// </summary>
    public async Task<HttpResponseMessage?> SendAsync(string upstream, Func<string, HttpRequestMessage> build, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!proxy.TryGetCluster(upstream, out var cluster) || cluster.Model?.HttpClient is not { } client)
        {
            return null;
        }

        var attempts = options.Value.Upstreams.TryGetValue(upstream, out var settings) ? settings.MaxAttempts : 1;
        var tried = new List<DestinationState>(attempts);
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            if (Pick(cluster, tried) is not { } destination)
            {
                return null;
            }

            tried.Add(destination);
            using var request = build(destination.Model.Config.Address);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            destination.ConcurrentRequestCount++;
            ForwarderError? failure = null;
            try
            {
                var response = await client.SendAsync(request, deadline.Token);
                if ((int)response.StatusCode is 502 or 503 or 504 && attempt + 1 < attempts)
                {
                    response.Dispose();
                    continue;
                }

                return response;
            }
            catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                failure = e is OperationCanceledException ? ForwarderError.RequestTimedOut : ForwarderError.Request;
            }
            finally
            {
                destination.ConcurrentRequestCount--;
                Report(cluster, destination, failure);
            }
        }

        return null;
    }

    private DestinationState? Pick(ClusterState cluster, List<DestinationState> tried)
    {
        var available = cluster.DestinationsState.AvailableDestinations;
        var remaining = available.Where(d => !tried.Contains(d)).ToList();
        if (remaining.Count == 0)
        {
            return null;
        }

        var policy = cluster.Model.Config.LoadBalancingPolicy ?? "PowerOfTwoChoices";
        return _balancers.TryGetValue(policy, out var balancer) ? balancer.PickDestination(new DefaultHttpContext(), cluster, remaining) : remaining[0];
    }

    /// <summary>Passive health sees the call as it sees a forwarded request: a transport failure counts against the destination.</summary>
    private void Report(ClusterState cluster, DestinationState destination, ForwarderError? failure)
    {
        if (_transportFailures is null || cluster.Model.Config.HealthCheck?.Passive?.Enabled != true)
        {
            return;
        }

        var context = new DefaultHttpContext();
        if (failure is { } error)
        {
            context.Features.Set<IForwarderErrorFeature>(new CallError(error));
        }

        _transportFailures.RequestProxied(context, cluster, destination);
    }

    private sealed class CallError(ForwarderError error) : IForwarderErrorFeature
    {
        public ForwarderError Error { get; } = error;

        public Exception? Exception => null;
    }
}
