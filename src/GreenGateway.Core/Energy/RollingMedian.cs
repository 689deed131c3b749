namespace GreenGateway.Core.Energy;

/// <summary>
/// The median of the last <c>window</c> finite, non-negative samples: robust to the outliers a cold start (JIT, a
/// first prefill) or a busy machine gives, which a moving average would carry for a long time. Thread-safe.
/// </summary>
public sealed class RollingMedian(int window)
{
    private readonly Lock _gate = new();
    private readonly double[] _samples = new double[window];
    private int _next;
    private int _count;

    /// <summary>Samples held (at most the window).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>The median, or null before any sample.</summary>
    public double? Value
    {
        get
        {
            lock (_gate)
            {
                if (_count == 0)
                {
                    return null;
                }

                var sorted = _samples[.._count];
                Array.Sort(sorted);
                return sorted[_count / 2];
            }
        }
    }

    /// <summary>Adds a sample; NaN, infinite and negative ones are ignored.</summary>
    public void Add(double sample)
    {
        if (double.IsNaN(sample) || double.IsInfinity(sample) || sample < 0)
        {
            return;
        }

        lock (_gate)
        {
            _samples[_next] = sample;
            _next = (_next + 1) % _samples.Length;
            _count = Math.Min(_count + 1, _samples.Length);
        }
    }
}
