namespace GreenGateway.Core.Cascade;

/// <summary>
/// Whether speculative decoding saves energy for one model: the median, over the last answers, of each
/// speculative answer's joules over its baseline (what the large model alone would have spent on it). Below 1 it
/// pays. While it does not, <see cref="ShouldSpeculate"/> lets through only a probe share of requests, whose
/// answers keep the median current. It judges only from <paramref name="minSamples"/> answers on, so that the
/// first, cold ones (compilation, empty caches) cannot switch speculation off. Thread-safe.
/// </summary>
public sealed class SpeculationValue(int window = 31, double probeFraction = 0.1, int minSamples = 8)
{
    private readonly Energy.RollingMedian _ratios = new(window);
    private readonly int _minSamples = Math.Min(minSamples, window);
    private long _asked;

    /// <summary>The median ratio of speculative joules to baseline joules, or null before any answer.</summary>
    public double? Ratio => _ratios.Value;

    /// <summary>Whether speculation pays (or has too few answers to judge yet).</summary>
    public bool Pays => _ratios.Count < _minSamples || Ratio is not { } r || r < 1;

    /// <summary>Whether this request should be speculated: yes while it pays, else for every 1/probeFraction-th request.</summary>
    public bool ShouldSpeculate()
    {
        if (Pays)
        {
            return true;
        }

        var n = Interlocked.Increment(ref _asked);
        return probeFraction > 0 && n % Math.Max(1, (long)Math.Round(1 / probeFraction)) == 0;
    }

    /// <summary>Records a speculative answer's joules against its baseline.</summary>
    public void Observe(double joules, double baselineJoules)
    {
        if (baselineJoules > 0 && !double.IsInfinity(baselineJoules))
        {
            _ratios.Add(joules / baselineJoules);
        }
    }
}
