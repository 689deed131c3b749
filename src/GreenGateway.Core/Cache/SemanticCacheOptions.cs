namespace GreenGateway.Core.Cache;

/// <summary>Policy of the semantic cache, the same for every implementation.</summary>
public sealed record SemanticCacheOptions
{
    /// <summary>
    /// Cosine similarity at or above which a neighbour is a hit. Default 0.9, where the built-in embedder's
    /// false-hit rate on the shipped paraphrase set is low (docs/semantic-cache.md has the measured table).
    /// </summary>
    public double SimilarityThreshold { get; init; } = 0.9;

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
