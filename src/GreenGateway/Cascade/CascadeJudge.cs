using System.Collections.Concurrent;
using GreenGateway.Core.Cascade;

namespace GreenGateway.Cascade;

/// <summary>
/// What the gateway has learned about each large model's cascade, on measured figures: whether the draft's attempts to
/// answer alone pay (<see cref="DraftValue"/>, against the observed counterfactual) and how slow each tier is next to the
/// large model alone (<see cref="TierLatency"/>). The planner decides from it; settlement feeds it.
/// </summary>
internal sealed partial class CascadeJudge(Configuration.CascadeSettings settings, TimeProvider time, ILogger<CascadeJudge> logger)
{
    private readonly ConcurrentDictionary<string, DraftValue> _draft = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TierLatency> _latency = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, CascadeTier), DateTimeOffset> _reported = new();

    public DraftValue Draft(string model) => _draft.GetOrAdd(model, _ => new DraftValue(probeFraction: settings.Speculative.ProbeFraction));

    public TierLatency Latency(string model) => _latency.GetOrAdd(model, static _ => new TierLatency());

    /// <summary>The models with latencies recorded.</summary>
    public IEnumerable<string> Models => _latency.Keys;

    /// <summary>Records an answer's latency, and reports a tier whose p99 is over <c>Cascade.LatencyReportFactor</c> times the large model's (once in 10 minutes).</summary>
    public void Answered(string model, CascadeTier tier, TimeSpan elapsed)
    {
        var latency = Latency(model);
        latency.Observe(tier, elapsed);
        if (tier == CascadeTier.Upstream || latency.Percentile(tier, 0.99) is not { } p99 || latency.Percentile(CascadeTier.Upstream, 0.99) is not { } upstream
            || p99 <= settings.LatencyReportFactor * upstream)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (!_reported.TryGetValue((model, tier), out var last) || now - last > TimeSpan.FromMinutes(10))
        {
            _reported[(model, tier)] = now;
            Log.SlowTier(logger, CascadeTiers.Name(tier), model, p99, upstream);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 64, Level = LogLevel.Warning,
            Message = "Tier {Tier} of {Model} answers at p99 {TierP99:0.#} ms against {UpstreamP99:0.#} ms for the large model alone; tenants can skip it with cascade.max_added_latency_ms")]
        public static partial void SlowTier(ILogger logger, string tier, string model, double tierP99, double upstreamP99);
    }
}
