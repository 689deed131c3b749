namespace GreenGateway.Core.Cascade;

/// <summary>
/// Each tier's recent latencies for one model (the last <c>window</c> answers per tier), so that a tier slower than the
/// large model alone by more than a tenant allows (<see cref="CascadePolicy.MaxAddedLatencyMs"/>) can be skipped, and
/// reported. Thread-safe.
/// </summary>
public sealed class TierLatency(int window = 256)
{
    /// <summary>Answers a tier needs before its percentiles are used.</summary>
    public const int MinSamples = 20;

    private readonly Lock _gate = new();
    private readonly Dictionary<CascadeTier, (double[] Samples, int Next, int Count)> _tiers = [];

    public void Observe(CascadeTier tier, TimeSpan elapsed)
    {
        lock (_gate)
        {
            if (!_tiers.TryGetValue(tier, out var state))
            {
                state = (new double[window], 0, 0);
            }

            state.Samples[state.Next] = elapsed.TotalMilliseconds;
            _tiers[tier] = (state.Samples, (state.Next + 1) % window, Math.Min(state.Count + 1, window));
        }
    }

    /// <summary>The tier's latency at <paramref name="quantile"/> in milliseconds, or null before <see cref="MinSamples"/> answers.</summary>
    public double? Percentile(CascadeTier tier, double quantile)
    {
        double[] sorted;
        lock (_gate)
        {
            if (!_tiers.TryGetValue(tier, out var state) || state.Count < MinSamples)
            {
                return null;
            }

            sorted = state.Samples.AsSpan(0, state.Count).ToArray();
        }

        Array.Sort(sorted);
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];
    }

    /// <summary>How many milliseconds the tier's p99 is above the large model's alone; null while either is unknown.</summary>
    public double? AddedP99(CascadeTier tier) =>
        Percentile(tier, 0.99) is { } p99 && Percentile(CascadeTier.Upstream, 0.99) is { } upstream ? p99 - upstream : null;
}
