using GreenGateway.Inference.Generation;

namespace GreenGateway.ModelHost.Serving;

/// <summary>
/// KV caches kept between requests. A request takes the free slot whose tokens share the longest prefix with its
/// prompt (least recently used on a tie), so a conversation's next turn, or a verification of k more draft tokens,
/// computes only what the slot does not hold. When every slot is busy a request gets a cache of its own.
/// </summary>
internal sealed class PrefixCachePool : IDisposable
{
    private readonly InferenceEngine _engine;
    private readonly CacheSlot[] _slots;
    private readonly Lock _gate = new();
    private long _clock;

    public PrefixCachePool(InferenceEngine engine, int slots)
    {
        _engine = engine;
        _slots = new CacheSlot[slots];
    }

    /// <summary>A slot for <paramref name="prompt"/>; dispose it to give it back.</summary>
    public CacheSlot Acquire(ReadOnlySpan<int> prompt)
    {
        lock (_gate)
        {
            var best = -1;
            var bestPrefix = -1;
            for (var i = 0; i < _slots.Length; i++)
            {
                var s = _slots[i];
                if (s is null)
                {
                    if (bestPrefix < 0)
                    {
                        best = i;
                        bestPrefix = 0;
                    }

                    continue;
                }

                if (s.Busy)
                {
                    continue;
                }

                var prefix = s.Lease.Cache.CommonPrefixLength(prompt);
                if (prefix > bestPrefix || (prefix == bestPrefix && (_slots[best] is { } b && s.LastUsed < b.LastUsed)))
                {
                    best = i;
                    bestPrefix = prefix;
                }
            }

            if (best < 0)
            {
                return new CacheSlot(this, _engine.RentCache(_engine.MaxContextTokens), pooled: false);
            }

            _slots[best] ??= new CacheSlot(this, _engine.RentCache(_engine.MaxContextTokens), pooled: true);
            _slots[best].Busy = true;
            return _slots[best];
        }
    }

    internal void Return(CacheSlot slot)
    {
        lock (_gate)
        {
            slot.Busy = false;
            slot.LastUsed = ++_clock;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var s in _slots)
            {
                s?.Lease.Dispose();
            }
        }
    }
}
