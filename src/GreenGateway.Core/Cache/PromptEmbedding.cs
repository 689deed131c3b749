namespace GreenGateway.Core.Cache;

/// <summary>
/// One request's prompt embedding, computed on first use and then shared: the cache's lookup, its write-back after
/// the answer, and the router read the same vector. Nothing is computed for a request that never asks (one the cache
/// may not serve), so requests that cannot be cached do not pay for the embedding.
/// </summary>
public sealed class PromptEmbedding(IEmbedder embedder, string text)
{
    private readonly Lock _lock = new();
    private Task<float[]>? _vector;

    public string EmbedderName => embedder.Name;

    /// <summary>True once some step asked for the vector.</summary>
    public bool Started => Volatile.Read(ref _vector) is not null;

    /// <summary>
    /// The vector. The computation is not tied to the first caller's cancellation (a later step may still need it);
    /// each caller's own token only stops its wait.
    /// </summary>
    public ValueTask<float[]> GetAsync(CancellationToken cancellationToken)
    {
        var vector = Volatile.Read(ref _vector);
        if (vector is null)
        {
            lock (_lock)
            {
                vector = _vector ??= embedder.EmbedAsync(text, CancellationToken.None).AsTask();
            }
        }

        return vector.IsCompletedSuccessfully ? new ValueTask<float[]>(vector.Result) : new ValueTask<float[]>(vector.WaitAsync(cancellationToken));
    }
}
