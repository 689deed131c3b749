namespace GreenGateway.Inference.Generation;

/// <summary>Thrown when a generation would take the KV caches past <see cref="EngineOptions.MaxKvCacheBytes"/>.</summary>
public sealed class KvCacheBudgetExceededException(long requested, long inUse, long limit)
    : InvalidOperationException(
        $"KV cache budget exceeded: this sequence needs {requested:N0} bytes, {inUse:N0} of {limit:N0} are in use by other sequences.")
{
    public long RequestedBytes { get; } = requested;

    public long InUseBytes { get; } = inUse;

    public long LimitBytes { get; } = limit;
}
