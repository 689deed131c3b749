using GreenGateway.Core.Cache;

namespace GreenGateway.Configuration;

/// <summary>The <c>Cache</c> section: the semantic cache (tier 1). In Redis when <c>Redis.Url</c> is set, else in process.</summary>
public sealed record CacheSettings
{
    /// <summary>Turns the cache tier on. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Cosine similarity at or above which a neighbour answers. Default 0.9 (docs/semantic-cache.md).</summary>
    public double SimilarityThreshold { get; init; } = 0.9;

    /// <summary>Per-tenant thresholds. Default none.</summary>
    public Dictionary<string, double> TenantThresholds { get; init; } = [];

    /// <summary>Requests with a temperature above this bypass the cache. Default 1.0.</summary>
    public double BypassTemperatureAbove { get; init; } = 1.0;

    /// <summary>Seconds an entry is served. Default 86400 (a day).</summary>
    public double EntryTimeToLiveSeconds { get; init; } = 86_400;

    /// <summary><c>builtin</c> (hashed word and character n-grams, no model) or <c>upstream</c> (an OpenAI-compatible /embeddings). Default builtin.</summary>
    public string Embedder { get; init; } = "builtin";

    /// <summary>The model alias used for embeddings with <c>Embedder: upstream</c>. Required for it.</summary>
    public string? EmbeddingModel { get; init; }

    /// <summary>Length of the upstream embedding model's vectors. Required with <c>Embedder: upstream</c>.</summary>
    public int EmbeddingDimensions { get; init; }

    /// <summary>
    /// Watts charged per core while a lookup runs: the lookup's energy is its elapsed time times this, an
    /// upper bound (it occupies at most one core, and waits on Redis part of the time). Default 6.25 W,
    /// a server core's share of its package power: Intel Xeon Platinum 8480+, 350 W TDP over 56 cores (Intel ARK).
    /// </summary>
    public double WattsPerCore { get; init; } = 6.25;

    public SemanticCacheOptions ToOptions() => new()
    {
        SimilarityThreshold = SimilarityThreshold,
        TenantThresholds = TenantThresholds,
        BypassTemperatureAbove = BypassTemperatureAbove,
        EntryTimeToLive = TimeSpan.FromSeconds(EntryTimeToLiveSeconds),
    };

    public void Validate(List<string> errors)
    {
        foreach (var error in ToOptions().Validate())
        {
            errors.Add($"Cache: {error}");
        }

        if (Embedder is not ("builtin" or "upstream"))
        {
            errors.Add($"Cache.Embedder '{Embedder}' is not builtin or upstream.");
        }

        if (Embedder == "upstream" && (string.IsNullOrEmpty(EmbeddingModel) || EmbeddingDimensions < 1))
        {
            errors.Add("Cache.Embedder upstream needs Cache.EmbeddingModel and Cache.EmbeddingDimensions.");
        }

        if (!(WattsPerCore >= 0))
        {
            errors.Add("Cache.WattsPerCore must be >= 0.");
        }
    }
}
