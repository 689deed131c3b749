namespace GreenGateway.Inference.Generation;

/// <summary>A KV cache counted against the engine's budget until disposed; pass it back to continue a sequence.</summary>
public sealed class KvCacheLease : IDisposable
{
    private readonly InferenceEngine _engine;
    private int _released;

    internal KvCacheLease(InferenceEngine engine, Models.KvCache cache)
    {
        _engine = engine;
        Cache = cache;
    }

    public Models.KvCache Cache { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _engine.Release(Cache.ByteSize);
        }
    }
}
