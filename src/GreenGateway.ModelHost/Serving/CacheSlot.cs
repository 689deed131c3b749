using GreenGateway.Inference.Generation;

namespace GreenGateway.ModelHost.Serving;

/// <summary>
/// One KV cache with what is known about its positions: the score of each held token (index i: token i given the
/// tokens before it; index 0 has none) and the log-probabilities after the last held token, when computed.
/// </summary>
internal sealed class CacheSlot : IDisposable
{
    private readonly PrefixCachePool _pool;
    private readonly bool _pooled;

    public CacheSlot(PrefixCachePool pool, KvCacheLease lease, bool pooled)
    {
        _pool = pool;
        _pooled = pooled;
        Lease = lease;
    }

    public KvCacheLease Lease { get; }

    /// <summary>Scores of the held tokens, index = position; may be shorter than the cache (generated tokens).</summary>
    public List<PositionScore?> Scores { get; } = [];

    /// <summary>Log-softmax after the last held token, valid while <see cref="NextLogprobsLength"/> equals the cache length.</summary>
    public float[]? NextLogprobs { get; set; }

    public int NextLogprobsLength { get; set; } = -1;

    internal bool Busy { get; set; }

    internal long LastUsed { get; set; }

    /// <summary>Forgets scores past <paramref name="length"/> positions (after the cache was cut or rewritten there).</summary>
    public void KeepScores(int length)
    {
        if (Scores.Count > length)
        {
            Scores.RemoveRange(length, Scores.Count - length);
        }

        if (NextLogprobsLength != Lease.Cache.Length)
        {
            NextLogprobsLength = -1;
        }
    }

    public void Dispose()
    {
        if (_pooled)
        {
            _pool.Return(this);
        }
        else
        {
            Lease.Dispose();
        }
    }
}

/// <summary>A token's log-probability, its rank (1 = most likely) and the most likely alternatives.</summary>
internal sealed record PositionScore(int TokenId, float Logprob, int Rank, TopEntry[] Top);

/// <summary>An alternative token and its log-probability.</summary>
internal readonly record struct TopEntry(int TokenId, float Logprob);
