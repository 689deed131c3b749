namespace GreenGateway.Core.Cache;

/// <summary>
/// Tier 1 of the cascade. A lookup tries an exact match of the normalized prompt first, then the nearest
/// neighbour by cosine similarity within the partition, accepted at or above the tenant's threshold.
/// Requests whose temperature is above <see cref="SemanticCacheOptions.BypassTemperatureAbove"/> bypass it.
/// </summary>
public interface ISemanticCache
{
    ValueTask<CacheLookupResult> LookupAsync(CacheQuery query, CancellationToken cancellationToken);

    /// <summary>Stores an answer for the query's prompt; false when the query bypasses the cache.</summary>
    ValueTask<bool> StoreAsync(CacheQuery query, CachedAnswer answer, CancellationToken cancellationToken);
}

/// <param name="Partition">Where to look.</param>
/// <param name="Prompt">The message being answered (the last user turn).</param>
/// <param name="Temperature">The request's temperature; null when the request gave none.</param>
public sealed record CacheQuery(CachePartition Partition, string Prompt, double? Temperature)
{
    /// <summary>
    /// The prompt's embedding, computed at most once for the request and shared by the lookup, the write-back and the
    /// router. Null: the cache embeds the prompt itself.
    /// </summary>
    public PromptEmbedding? Embedding { get; init; }

    /// <summary>The prompt's embedding under <paramref name="embedder"/>: the shared one when it came from the same embedder.</summary>
    public ValueTask<float[]> EmbedAsync(IEmbedder embedder, CancellationToken cancellationToken) =>
        Embedding is { } shared && shared.EmbedderName == embedder.Name
            ? shared.GetAsync(cancellationToken)
            : embedder.EmbedAsync(Prompt, cancellationToken);
}

public enum CacheLookupKind
{
    Miss,
    Bypass,
    ExactHit,
    SemanticHit,
}

/// <summary>The outcome of a lookup; <see cref="Similarity"/> is the cosine of the hit (1 for an exact hit).</summary>
public sealed record CacheLookupResult(CacheLookupKind Kind, CacheEntry? Entry, double Similarity)
{
    public static CacheLookupResult Miss { get; } = new(CacheLookupKind.Miss, null, 0);

    public static CacheLookupResult Bypass { get; } = new(CacheLookupKind.Bypass, null, 0);

    public bool IsHit => Entry is not null;
}
