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
    private readonly Lock _gate = new();
    private readonly double[] _ratios = new double[window];
    private int _count;
    private int _next;
    private long _asked;

    /// <summary>The median ratio of speculative joules to baseline joules, or null before any answer.</summary>
    public double? Ratio
    {
        get
        {
            lock (_gate)
            {
                if (_count == 0)
                {
                    return null;
                }

                var sorted = _ratios[.._count];
                Array.Sort(sorted);
                return sorted[_count / 2];
            }
        }
    }

    /// <summary>Whether speculation pays (or has too few answers to judge yet).</summary>
    public bool Pays
    {
        get
        {
            lock (_gate)
            {
                if (_count < Math.Min(minSamples, _ratios.Length))
                {
                    return true;
                }
            }

            return Ratio is not { } r || r < 1;
        }
    }

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
        if (baselineJoules <= 0 || joules < 0 || double.IsNaN(joules) || double.IsInfinity(baselineJoules))
        {
            return;
        }

        lock (_gate)
        {
            _ratios[_next] = joules / baselineJoules;
            _next = (_next + 1) % _ratios.Length;
            _count = Math.Min(_count + 1, _ratios.Length);
        }
    }
}
