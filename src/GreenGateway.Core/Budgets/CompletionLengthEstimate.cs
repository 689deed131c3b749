namespace GreenGateway.Core.Budgets;

/// <summary>
/// What to reserve for a request that sets no <c>max_tokens</c>: a high percentile (<see cref="Percentile"/>) of the
/// completion lengths one model's recent answers had, once <see cref="MinSamples"/> are known, else a configured
/// default. Reserving the whole context instead would refuse most of a budget to requests in flight. Thread-safe.
/// </summary>
public sealed class CompletionLengthEstimate(int fallback, int window = 256)
{
    /// <summary>The 95th percentile: one answer in twenty runs past its reservation, by a bounded amount (it is settled at its actual cost).</summary>
    public const double Percentile = 0.95;

    /// <summary>Answers seen before the percentile replaces the default.</summary>
    public const int MinSamples = 20;

    private readonly Lock _gate = new();
    private readonly int[] _samples = new int[window];
    private int _next;
    private int _count;
    private int _sinceComputed;
    private int _value = fallback;

    /// <summary>Completion tokens to reserve.</summary>
    public int Tokens
    {
        get
        {
            lock (_gate)
            {
                return _value;
            }
        }
    }

    public void Observe(int completionTokens)
    {
        if (completionTokens < 0)
        {
            return;
        }

        lock (_gate)
        {
            _samples[_next] = completionTokens;
            _next = (_next + 1) % _samples.Length;
            _count = Math.Min(_count + 1, _samples.Length);

            // Sorting 256 ints is a few microseconds: done every 16th answer, not on every request.
            if (_count >= MinSamples && (++_sinceComputed >= 16 || _count == MinSamples))
            {
                _sinceComputed = 0;
                var sorted = _samples.AsSpan(0, _count).ToArray();
                Array.Sort(sorted);
                _value = Math.Max(1, sorted[Math.Min(_count - 1, (int)Math.Ceiling(Percentile * _count) - 1)]);
            }
        }
    }
}
