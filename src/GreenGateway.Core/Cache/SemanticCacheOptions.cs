namespace GreenGateway.Core.Cache;

/// <summary>Policy of the semantic cache, the same for every implementation.</summary>
public sealed record SemanticCacheOptions
{
    /// <summary>
    /// Cosine similarity at or above which a neighbour is a hit (if the lexical guard agrees too). Default 0.80: chosen
    /// for all-MiniLM-L6-v2 on the tuning split of tools/cache-eval (the lowest threshold with at most 1 % false hits);
    /// on the test split 86.3 % of paraphrases hit and 0.4 % of look-alikes (docs/semantic-cache.md). Another embedder
    /// needs its own.
    /// </summary>
    public double SimilarityThreshold { get; init; } = 0.80;

    /// <summary>
    /// Whether a semantic hit must also pass the <see cref="Cache.LexicalGuard"/> (the same identifiers, numbers and
    /// directions). Default true. Exact hits never need it.
    /// </summary>
    public bool LexicalGuard { get; init; } = true;

    /// <summary>Per-tenant thresholds that override <see cref="SimilarityThreshold"/>. Default empty.</summary>
    public IReadOnlyDictionary<string, double> TenantThresholds { get; init; } = new Dictionary<string, double>();

    /// <summary>Requests with a temperature above this bypass the cache (their answers are meant to vary). Default 1.0.</summary>
    public double BypassTemperatureAbove { get; init; } = 1.0;

    /// <summary>Temperature assumed when a request gives none. Default 1.0, OpenAI's documented default.</summary>
    public double DefaultTemperature { get; init; } = 1.0;

    /// <summary>How long an entry is served. Default 24 hours.</summary>
    public TimeSpan EntryTimeToLive { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Most entries per partition; the ones closest to expiry go first. Default 10,000.</summary>
    public int MaxEntriesPerPartition { get; init; } = 10_000;

    /// <summary>Prompts longer than this (in characters) are neither looked up nor stored. Default 16,384.</summary>
    public int MaxPromptLength { get; init; } = 16_384;

    public double ThresholdFor(string tenantId) => TenantThresholds.TryGetValue(tenantId, out var t) ? t : SimilarityThreshold;

    /// <summary>The acceptance rule for a neighbour at cosine <paramref name="score"/>: the threshold, then the lexical guard.</summary>
    public bool Accepts(CacheQuery query, CacheEntry entry, double score, double threshold) =>
        score >= threshold && (!LexicalGuard || (entry.Prompt.Length > 0 && Cache.LexicalGuard.Agrees(entry.Prompt, query.Prompt)));

    /// <summary>True when the query must not use the cache.</summary>
    public bool Bypasses(CacheQuery query) =>
        (query.Temperature ?? DefaultTemperature) > BypassTemperatureAbove || query.Prompt.Length > MaxPromptLength || query.Prompt.Length == 0;

    /// <summary>Every problem with these options; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (SimilarityThreshold is < -1 or > 1 || double.IsNaN(SimilarityThreshold))
        {
            errors.Add($"SimilarityThreshold {SimilarityThreshold} is outside [-1, 1].");
        }

        foreach (var (tenant, threshold) in TenantThresholds)
        {
            if (threshold is < -1 or > 1 || double.IsNaN(threshold))
            {
                errors.Add($"threshold {threshold} of tenant '{tenant}' is outside [-1, 1].");
            }
        }

        if (EntryTimeToLive <= TimeSpan.Zero)
        {
            errors.Add("EntryTimeToLive must be positive.");
        }

        if (MaxEntriesPerPartition < 1)
        {
            errors.Add("MaxEntriesPerPartition must be at least 1.");
        }

        if (MaxPromptLength < 1)
        {
            errors.Add("MaxPromptLength must be at least 1.");
        }

        return errors;
    }
}
