namespace GreenGateway.Inference.Generation;

/// <summary>A KV cache counted against the engine's budget until disposed; pass it back to continue a sequence.</summary>
public sealed class KvCacheLease : IDisposable
{
    private readonly InferenceEngine _engine;
    private int _released;
    private int _busy;

    internal KvCacheLease(InferenceEngine engine, Models.KvCache cache)
    {
        _engine = engine;
        Cache = cache;
    }

    public Models.KvCache Cache { get; }

    /// <summary>Marks the cache as used by a generation; a second generation on the same lease at once is an error.</summary>
    internal void Enter()
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            throw new InvalidOperationException("this KV cache is already in use by another generation.");
        }
    }

    internal void Exit() => Volatile.Write(ref _busy, 0);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _engine.Release(Cache.ByteSize);
            Cache.ReleaseStorage();
        }
    }
}
