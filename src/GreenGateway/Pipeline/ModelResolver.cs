using GreenGateway.Core.Policies;
using GreenGateway.Core.Requests;
using GreenGateway.Upstreams;

namespace GreenGateway.Pipeline;

/// <summary>Step 2: where the requested model is served, and whether the tenant may use it.</summary>
internal sealed class ModelResolver(ModelCatalog catalog, ModelDiscovery discovery, Core.Carbon.ICarbonIntensitySource intensity, TimeProvider time,
    Microsoft.Extensions.Options.IOptions<Configuration.GatewayConfig> options, UpstreamLatency latency)
{
    /// <param name="region">A batch request's region (the plan's cleanest): an upstream there that serves the model, else the model's own.</param>
    public async Task<(ModelRoute? Route, RequestError? Error)> ResolveAsync(OpenAiRequest request, TenantPolicy tenant, CancellationToken cancellationToken, string? region = null)
    {
        if (!catalog.TryResolve(request.Model, out var route))
        {
            // A model that appeared upstream a moment ago: look once more before saying it does not exist.
            await discovery.RefreshIfStaleAsync(cancellationToken);
            if (!catalog.TryResolve(request.Model, out route))
            {
                if (catalog.FirstUnreachable() is { } down)
                {
                    return (null, new RequestError(StatusCodes.Status502BadGateway,
                        $"The model '{request.Model}' is not known, and upstream '{down.Upstream}' cannot be reached to list its models: {down.Reason}",
                        "upstream_error", "model", "upstream_unreachable"));
                }

                return (null, new RequestError(StatusCodes.Status404NotFound,
                    $"The model '{request.Model}' does not exist or you do not have access to it.", "invalid_request_error", "model", "model_not_found"));
            }
        }

        if (!tenant.AllowsModel(request.Model))
        {
            return (null, new RequestError(StatusCodes.Status403Forbidden,
                $"The model '{request.Model}' is not allowed for this key.", "invalid_request_error", "model", "model_not_allowed"));
        }

        if (region is not null && catalog.TryResolveIn(request.Model, region, out var there))
        {
            route = there;
        }
        else if (region is null && tenant.Cascade.CarbonAware is { PreferRegionMaxAddedLatencyMs: { } bound } aware)
        {
            route = await CleanestAsync(route!, aware.AboveGramsPerKwh, bound, cancellationToken);
        }

        return (route, null);
    }

    /// <summary>
    /// A live request of a tenant with <c>carbon_aware.prefer_region</c>: while its model's own region is above the policy's
    /// intensity, the cleanest region that serves the model within <paramref name="maxAddedLatencyMs"/>: declared so
    /// (the upstream's <c>AddedLatencyMs</c>, the prior) and measured so (<see cref="InMeasuredBound"/>).
    /// </summary>
    private async ValueTask<ModelRoute> CleanestAsync(ModelRoute home, double above, double maxAddedLatencyMs, CancellationToken cancellationToken)
    {
        var routes = catalog.RoutesIn(home.Model);
        if (routes.Count < 2)
        {
            return home;
        }

        var now = time.GetUtcNow();
        var best = home;
        var bestGrams = (await intensity.GetAsync(home.Region, now, cancellationToken)).GramsPerKwh;
        if (bestGrams < above)
        {
            return home;
        }

        var upstreams = options.Value.Upstreams;
        for (var i = 1; i < routes.Count; i++)
        {
            var candidate = routes[i];
            if (!upstreams.TryGetValue(candidate.Upstream, out var upstream) || upstream.AddedLatencyMs > maxAddedLatencyMs)
            {
                continue;
            }

            var grams = (await intensity.GetAsync(candidate.Region, now, cancellationToken)).GramsPerKwh;
            if (grams < bestGrams && InMeasuredBound(home, candidate, maxAddedLatencyMs))
            {
                (best, bestGrams) = (candidate, grams);
            }
        }

        return best;
    }

    /// <summary>
    /// Whether the candidate's measured latency less the model's own upstream's is within the bound (an own upstream
    /// not measured yet counts as 0 ms: the candidate's whole figure is then taken as added, which errs on the safe
    /// side). A candidate with no figure, or with one out of the bound and older than <c>Gateway.LatencyProbeSeconds</c>,
    /// takes this request as its probe when no other request took one in that interval (<see cref="UpstreamLatency"/>).
    /// </summary>
    private bool InMeasuredBound(ModelRoute home, ModelRoute candidate, double maxAddedLatencyMs)
    {
        if (latency.Of(candidate.Upstream) is not { } there)
        {
            return latency.TryTakeProbe(candidate.Upstream);
        }

        var added = there.Ms - (latency.Of(home.Upstream)?.Ms ?? 0);
        if (added <= maxAddedLatencyMs)
        {
            return true;
        }

        return latency.IsStale(there) && latency.TryTakeProbe(candidate.Upstream);
    }
}
