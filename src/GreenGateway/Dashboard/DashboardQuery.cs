using System.Text.Json.Nodes;
using GreenGateway.Configuration;
using GreenGateway.Core.Activity;
using GreenGateway.Core.Budgets;
using GreenGateway.Core.Carbon;
using GreenGateway.Tenants;
using GreenGateway.Upstreams;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;
using M = GreenGateway.Core.Activity.ActivityMetrics;

namespace GreenGateway.Dashboard;

/// <summary>
/// What the admin API answers and the page shows: the activity series of a window summed per tenant, model and tier,
/// with each tenant's budgets (the ledger's, as <c>/v1/usage</c> reports them), the grid's intensity and forecast, the
/// upstreams' health and the cascade's speculation. A tenant viewer sees only its own rows.
/// </summary>
internal sealed class DashboardQuery(IActivityStore series, IFeedbackStore feedback, IBudgetLedger ledger, PolicyMonitor policies,
    ICarbonIntensitySource carbon, ModelCatalog catalog, IProxyStateLookup proxy, TimeProvider time, IOptions<GatewayConfig> options,
    Core.Batches.IBatchStore batches, UpstreamLatency latency)
{
    private readonly GatewayConfig _config = options.Value;

    public async Task<JsonObject> OverviewAsync(DashboardViewer viewer, ActivityWindow window, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var (resolution, _) = ActivityBuckets.Of(window);
        var (from, to) = ActivityBuckets.Range(window, now);
        var counts = Visible(viewer, await series.ReadAsync(resolution, from, to, cancellationToken)).SelectMany(b => b.Counts).ToList();

        var tenants = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var id in policies.Current.Tenants.Keys)
        {
            if (viewer.Sees(id))
            {
                tenants.Add(id);
            }
        }

        foreach (var count in counts)
        {
            tenants.Add(count.Tenant);
        }

        var tenantRows = new JsonArray();
        foreach (var tenant in tenants)
        {
            var row = Summary(counts.Where(c => c.Tenant == tenant));
            row.Insert(0, "tenant", tenant);
            row["budgets"] = await BudgetsAsync(tenant, now, cancellationToken);
            row["recent"] = await RecentAsync(tenant, cancellationToken);
            row["batches"] = await BatchesAsync(tenant, cancellationToken);
            tenantRows.Add(row);
        }

        return new JsonObject
        {
            ["object"] = "dashboard.overview",
            ["at"] = now,
            ["window"] = Name(window),
            ["resolution"] = resolution.ToString().ToLowerInvariant(),
            ["from"] = from,
            ["to"] = to + ActivityBuckets.Length(resolution),
            ["viewer"] = new JsonObject { ["name"] = viewer.Name, ["admin"] = viewer.IsAdmin },
            ["refresh_seconds"] = _config.Dashboard.RefreshSeconds,
            ["useful_answers_rule"] = "answers not marked not useful (POST /v1/feedback); unjudged answers count as useful",
            ["totals"] = Summary(counts),
            ["tenants"] = tenantRows,
            ["models"] = Models(counts),
            ["grid"] = await GridAsync(now, cancellationToken),
            ["upstreams"] = Upstreams(),
            ["cascade"] = Cascade(counts),
        };
    }

    /// <summary>One metric per bucket of the window, split by tier, tenant or model; every bucket listed, empty ones as zeros.</summary>
    public async Task<JsonObject> SeriesAsync(DashboardViewer viewer, ActivityWindow window, string metric, string by, string? tenant, string? model,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var (resolution, _) = ActivityBuckets.Of(window);
        var (from, to) = ActivityBuckets.Range(window, now);
        var buckets = Visible(viewer, await series.ReadAsync(resolution, from, to, cancellationToken));
        var byStart = buckets.ToDictionary(b => b.Start);
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        var points = new JsonArray();
        for (var start = from; start <= to; start += ActivityBuckets.Length(resolution))
        {
            var values = new JsonObject();
            if (byStart.TryGetValue(start, out var bucket))
            {
                foreach (var group in bucket.Counts
                             .Where(c => c.Metric == metric && (tenant is null || c.Tenant == tenant) && (model is null || c.Model == model))
                             .GroupBy(c => Key(c, by)).OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    keys.Add(group.Key);
                    values[group.Key] = group.Sum(c => c.Value);
                }
            }

            points.Add(new JsonObject { ["start"] = start, ["values"] = values });
        }

        return new JsonObject
        {
            ["object"] = "dashboard.series",
            ["window"] = Name(window),
            ["resolution"] = resolution.ToString().ToLowerInvariant(),
            ["metric"] = metric,
            ["by"] = by,
            ["keys"] = new JsonArray(keys.Select(k => (JsonNode)k).ToArray()),
            ["buckets"] = points,
        };
    }

    /// <summary>
    /// The tenant's answers and their verdicts in the last hour, day and month (<c>feedback</c> in <c>/v1/usage</c>): the
    /// answers not marked not useful are its useful answers, and the joules per useful answer divide its energy by them.
    /// </summary>
    public async Task<JsonArray> FeedbackAsync(string tenant, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var rows = new JsonArray();
        foreach (var window in (ActivityWindow[])[ActivityWindow.Hour, ActivityWindow.Day, ActivityWindow.Month])
        {
            var (resolution, _) = ActivityBuckets.Of(window);
            var (from, to) = ActivityBuckets.Range(window, now);
            var summary = Summary((await series.ReadAsync(resolution, from, to, cancellationToken)).SelectMany(b => b.Counts).Where(c => c.Tenant == tenant));
            rows.Add(new JsonObject
            {
                ["window"] = "last_" + Name(window),
                ["answers"] = summary["requests"]!.DeepClone(),
                ["not_useful"] = summary["not_useful"]!.DeepClone(),
                ["marked_useful"] = summary["marked_useful"]!.DeepClone(),
                ["useful_answers"] = summary["useful_answers"]!.DeepClone(),
                ["energy_joules"] = summary["energy_joules"]!.DeepClone(),
                ["joules_per_useful_answer"] = summary["joules_per_useful_answer"]?.DeepClone(),
            });
        }

        return rows;
    }

    public static string Name(ActivityWindow window) => window.ToString().ToLowerInvariant();

    private static string Key(ActivityCount count, string by) => by switch
    {
        "tenant" => count.Tenant,
        "model" => count.Model,
        _ => count.Tier,
    };

    private static List<ActivityBucket> Visible(DashboardViewer viewer, IReadOnlyList<ActivityBucket> buckets) =>
        viewer.IsAdmin ? [.. buckets] : buckets.Select(b => b with { Counts = b.Counts.Where(c => viewer.Sees(c.Tenant)).ToList() }).ToList();

    /// <summary>A tenant's (or everyone's) figures over the window.</summary>
    private static JsonObject Summary(IEnumerable<ActivityCount> counts)
    {
        var list = counts as IReadOnlyCollection<ActivityCount> ?? counts.ToList();
        double Sum(string metric) => list.Where(c => c.Metric == metric).Sum(c => c.Value);
        var requests = Sum(M.Requests);
        var joules = Sum(M.Joules);
        var baseline = Sum(M.BaselineJoules);
        var observed = Sum(M.BaselineObserved);
        var notUseful = Sum(M.NotUseful);
        var useful = requests - notUseful;
        var tiers = new JsonObject();
        foreach (var tier in (string[])["rules", "cache", "draft", "speculative", "upstream", "passthrough"])
        {
            tiers[tier] = list.Where(c => c.Metric == M.Requests && c.Tier == tier).Sum(c => c.Value);
        }

        return new JsonObject
        {
            ["requests"] = requests,
            ["errors"] = Sum(M.Errors),
            ["refused"] = Sum(M.Refused),
            ["downgraded"] = Sum(M.Downgraded),
            ["energy_joules"] = joules,
            ["energy_wh"] = joules / 3600,
            ["carbon_gco2e"] = Sum(M.Grams),
            ["baseline_energy_joules"] = baseline,
            ["saving_joules"] = baseline - joules,
            ["saving_fraction"] = baseline > 0 ? (baseline - joules) / baseline : null,
            // A ratio never divides a modelled figure by a measured one unsaid: the saving names its baseline's method.
            ["baseline_method"] = requests == 0 ? null : observed >= requests ? "observed" : observed <= 0 ? "modelled" : "mixed",
            ["joules_per_request"] = requests > 0 ? joules / requests : null,
            ["useful_answers"] = useful,
            ["not_useful"] = notUseful,
            ["marked_useful"] = Sum(M.MarkedUseful),
            ["joules_per_useful_answer"] = useful > 0 ? joules / useful : null,
            ["grams_per_useful_answer"] = useful > 0 ? Sum(M.Grams) / useful : null,
            ["cache_hit_rate"] = requests > 0 ? tiers["cache"]!.GetValue<double>() / requests : null,
            ["tiers"] = tiers,
        };
    }

    private JsonArray Models(List<ActivityCount> counts)
    {
        var rows = new JsonArray();
        var clusters = proxy.GetClusters().ToDictionary(c => c.ClusterId, StringComparer.Ordinal);
        foreach (var group in counts.Where(c => c.Tier != ActivityRecorder.NoTier || c.Metric is M.Refused or M.Downgraded)
                     .GroupBy(c => c.Model).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            double Sum(string metric) => group.Where(c => c.Metric == metric).Sum(c => c.Value);

            // Speed and joules per token are the upstream's: of the answers it served (alone, verifying drafts, or passed
            // through), not of those the rules or the cache gave in a millisecond.
            double Served(string metric) => group.Where(c => c.Metric == metric && c.Tier is "upstream" or "speculative" or "passthrough").Sum(c => c.Value);
            var tokens = Served(M.PromptTokens) + Served(M.CompletionTokens);
            var seconds = Served(M.Seconds);
            var upstream = catalog.TryResolve(group.Key, out var route) ? route!.Upstream : null;
            JsonObject? health = null;
            if (upstream is not null && clusters.TryGetValue(upstream, out var cluster))
            {
                var destinations = cluster.Destinations.Values.ToList();
                var healthy = destinations.Count(d => d.Health.Active != DestinationHealth.Unhealthy && d.Health.Passive != DestinationHealth.Unhealthy);
                health = new JsonObject
                {
                    ["status"] = healthy > 0 ? "healthy" : "unhealthy",
                    ["healthy_destinations"] = healthy,
                    ["destinations"] = destinations.Count,
                };
            }

            rows.Add(new JsonObject
            {
                ["model"] = group.Key,
                ["upstream"] = upstream,
                ["requests"] = Sum(M.Requests),
                ["errors"] = Sum(M.Errors),
                ["prompt_tokens"] = Sum(M.PromptTokens),
                ["completion_tokens"] = Sum(M.CompletionTokens),
                ["energy_joules"] = Sum(M.Joules),
                ["upstream_answers"] = Served(M.Requests),
                ["tokens_per_second"] = seconds > 0 ? Served(M.CompletionTokens) / seconds : null,
                ["joules_per_token"] = tokens > 0 ? Served(M.Joules) / tokens : null,
                ["health"] = health,
            });
        }

        return rows;
    }

    /// <summary>
    /// Speculation's rounds: the share of drafted tokens the large model accepted, and the tokens each verification call
    /// yields, the accepted ones plus the large model's own each call adds (Leviathan et al. 2023, arXiv:2211.17192,
    /// as <c>gg bench cascade</c> reports it). Null where no speculative answer ran in the window.
    /// </summary>
    private static JsonObject? Cascade(List<ActivityCount> counts)
    {
        double Sum(string metric) => counts.Where(c => c.Metric == metric).Sum(c => c.Value);
        var calls = Sum(M.SpecVerifyCalls);
        if (calls <= 0)
        {
            return null;
        }

        var proposed = Sum(M.SpecProposed);
        var accepted = Sum(M.SpecAccepted);
        return new JsonObject
        {
            ["speculative_answers"] = counts.Where(c => c.Metric == M.Requests && c.Tier == "speculative").Sum(c => c.Value),
            ["proposed_tokens"] = proposed,
            ["accepted_tokens"] = accepted,
            ["verify_calls"] = calls,
            ["acceptance_rate"] = proposed > 0 ? accepted / proposed : null,
            ["tokens_per_verification"] = (accepted + calls) / calls,
        };
    }

    private async Task<JsonArray> BudgetsAsync(string tenant, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = new JsonArray();
        var limits = policies.Current.Tenants.TryGetValue(tenant, out var policy) ? policy.Limits : [];
        foreach (var usage in await ledger.GetUsageAsync(tenant, now, cancellationToken))
        {
            var limit = limits.FirstOrDefault(l => l.Window == usage.Span.Window);
            rows.Add(new JsonObject
            {
                ["window"] = usage.Span.Window.ToString().ToLowerInvariant(),
                ["start"] = usage.Span.Start,
                ["end"] = usage.Span.End,
                ["energy_joules"] = usage.Consumed.Joules,
                ["energy_wh"] = usage.Consumed.WattHours,
                ["carbon_gco2e"] = usage.Consumed.GramsCo2e,
                ["limit_energy_wh"] = limit?.EnergyJoules / 3600.0,
                ["limit_carbon_gco2e"] = limit?.CarbonGrams,
                ["exhausted"] = limit?.IsSpent(usage.Consumed + usage.Reserved) ?? false,
            });
        }

        return rows;
    }

    /// <summary>
    /// The tenant's batches (all of them, not the window's: a batch spans hours): totals, and the latest 10 with their
    /// progress, deadline and carbon saved, as <c>/v1/usage</c> has them. Null while the batch store is away.
    /// </summary>
    private async Task<JsonObject?> BatchesAsync(string tenant, CancellationToken cancellationToken)
    {
        IReadOnlyList<Core.Batches.BatchRecord> list;
        try
        {
            list = await batches.ListBatchesAsync(tenant, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }

        var summary = Batches.BatchObjects.Totals(list);
        summary["latest"] = new JsonArray(list.Take(10).Select(b => (JsonNode)Batches.BatchObjects.Summary(b)).ToArray());
        return summary;
    }

    private async Task<JsonArray> RecentAsync(string tenant, CancellationToken cancellationToken)
    {
        var rows = new JsonArray();
        foreach (var (answer, verdict) in await feedback.RecentAsync(tenant, 10, cancellationToken))
        {
            rows.Add(new JsonObject
            {
                ["id"] = answer.Id,
                ["at"] = answer.At,
                ["model"] = answer.Model,
                ["tier"] = answer.Tier,
                ["energy_joules"] = answer.Joules,
                ["carbon_gco2e"] = answer.Grams,
                ["baseline_energy_joules"] = answer.BaselineJoules,
                ["saving_joules"] = answer.BaselineJoules - answer.Joules,
                ["baseline_method"] = answer.BaselineMethod,
                ["energy_method"] = answer.EnergyMethod,
                ["verdict"] = verdict is null ? null : verdict.Useful ? "useful" : "not_useful",
                ["score"] = verdict?.Score,
            });
        }

        return rows;
    }

    /// <summary>
    /// Each upstream's region and latency: declared (<c>AddedLatencyMs</c>, the prior of <c>carbon_aware.prefer_region</c>)
    /// and measured by this replica (the mean time to response headers, its samples and the latest one's time; null
    /// before any), the figures the region preference compares (docs/batches.md).
    /// </summary>
    private JsonArray Upstreams()
    {
        var rows = new JsonArray();
        foreach (var (name, upstream) in _config.Upstreams.OrderBy(u => u.Key, StringComparer.Ordinal))
        {
            var measured = latency.Of(name);
            rows.Add(new JsonObject
            {
                ["upstream"] = name,
                ["region"] = upstream.Region ?? _config.Carbon.Region,
                ["declared_added_latency_ms"] = upstream.AddedLatencyMs,
                ["measured_latency_ms"] = measured?.Ms,
                ["latency_samples"] = measured?.Samples,
                ["measured_at"] = measured?.At,
            });
        }

        return rows;
    }

    /// <summary>The intensity now in every region the gateway's upstreams draw from, and the next day's where the source forecasts.</summary>
    private async Task<JsonArray> GridAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var regions = new SortedSet<string>(StringComparer.OrdinalIgnoreCase) { _config.Carbon.Region };
        foreach (var upstream in _config.Upstreams.Values)
        {
            if (upstream.Region is { Length: > 0 } region)
            {
                regions.Add(region);
            }
        }

        var rows = new JsonArray();
        foreach (var region in regions)
        {
            var intensity = await carbon.GetAsync(region, now, cancellationToken);
            JsonArray? forecast = null;
            if (carbon is ICarbonForecastSource forecaster)
            {
                // The values ahead of now within a day; the one in force now is the intensity above.
                var points = await forecaster.ForecastAsync(region, now, now.AddDays(1), cancellationToken) is { } f ? f.Points : [];
                forecast = new JsonArray(points.Where(p => p.At > now)
                    .Select(p => (JsonNode)new JsonObject { ["at"] = p.At, ["g_per_kwh"] = p.GramsPerKwh }).ToArray());
            }

            rows.Add(new JsonObject
            {
                ["region"] = region,
                ["g_per_kwh"] = intensity.GramsPerKwh,
                ["source"] = intensity.Source,
                ["at"] = intensity.At,
                ["forecast"] = forecast,
            });
        }

        return rows;
    }
}
