using GreenGateway.Core.Cache;

namespace GreenGateway.Configuration;

/// <summary>The <c>Cache</c> section: the semantic cache (tier 1). In Redis when <c>Redis.Url</c> is set, else in process.</summary>
public sealed record CacheSettings
{
    /// <summary>Turns the cache tier on. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Cosine similarity at or above which a neighbour answers (with the lexical guard). Default 0.80, for the default MiniLM embedder (docs/semantic-cache.md).</summary>
    public double SimilarityThreshold { get; init; } = 0.80;

    /// <summary>Per-tenant thresholds. Default none.</summary>
    public Dictionary<string, double> TenantThresholds { get; init; } = [];

    /// <summary>Requests with a temperature above this bypass the cache. Default 1.0.</summary>
    public double BypassTemperatureAbove { get; init; } = 1.0;

    /// <summary>Seconds an entry is served. Default 86400 (a day).</summary>
    public double EntryTimeToLiveSeconds { get; init; } = 86_400;

    /// <summary>
    /// <c>onnx</c> (a sentence-transformers model on ONNX Runtime in process: all-MiniLM-L6-v2 unless
    /// <see cref="EmbeddingModelPath"/> names another), <c>hashed</c> (the earlier hashed word and character n-grams, kept
    /// for comparison: it misses paraphrases, docs/semantic-cache.md) or <c>upstream</c> (an OpenAI-compatible
    /// /embeddings). Default onnx.
    /// </summary>
    public string Embedder { get; init; } = "onnx";

    /// <summary>With <c>Embedder: onnx</c>, another sentence-transformers ONNX export than the built-in MiniLM. Default none.</summary>
    public string? EmbeddingModelPath { get; init; }

    /// <summary>Its WordPiece vocab.txt. Required with <see cref="EmbeddingModelPath"/>.</summary>
    public string? EmbeddingVocabPath { get; init; }

    /// <summary>Whether that model's tokenizer lower-cases (uncased BERT). Default true.</summary>
    public bool EmbeddingLowerCase { get; init; } = true;

    /// <summary>Most prompts embedded in one ONNX Runtime call (prompts that arrive together share one). Default 32.</summary>
    public int EmbeddingMaxBatch { get; init; } = 32;

    /// <summary>ONNX Runtime threads per embedding call. Default 0: ONNX Runtime's choice (one per physical core).</summary>
    public int EmbeddingThreads { get; init; }

    /// <summary>Whether a semantic hit must also name the same identifiers, numbers and directions (the lexical guard). Default true.</summary>
    public bool LexicalGuard { get; init; } = true;

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
        LexicalGuard = LexicalGuard,
        BypassTemperatureAbove = BypassTemperatureAbove,
        EntryTimeToLive = TimeSpan.FromSeconds(EntryTimeToLiveSeconds),
    };

    /// <summary>The ONNX embedder's options, paths resolved against <paramref name="root"/> (the config's folder).</summary>
    public Semantics.Embeddings.SentenceEmbedderOptions ToEmbedderOptions(string? root) => new()
    {
        ModelPath = Resolve(EmbeddingModelPath, root),
        VocabPath = Resolve(EmbeddingVocabPath, root),
        LowerCase = EmbeddingLowerCase,
        MaxBatch = EmbeddingMaxBatch,
        Threads = EmbeddingThreads,
    };

    private static string? Resolve(string? path, string? root) => path is { Length: > 0 } && root is not null ? Path.GetFullPath(path, root) : path;

    public void Validate(List<string> errors)
    {
        foreach (var error in ToOptions().Validate())
        {
            errors.Add($"Cache: {error}");
        }

        if (Embedder is not ("onnx" or "hashed" or "upstream"))
        {
            errors.Add($"Cache.Embedder '{Embedder}' is not onnx, hashed or upstream.");
        }

        // The files themselves are checked when the embedder loads them (relative to the content root).
        if (Embedder == "onnx" && EmbeddingModelPath is { Length: > 0 } && string.IsNullOrEmpty(EmbeddingVocabPath))
        {
            errors.Add("Cache.EmbeddingModelPath needs Cache.EmbeddingVocabPath (the model's vocab.txt).");
        }

        if (EmbeddingMaxBatch < 1)
        {
            errors.Add("Cache.EmbeddingMaxBatch must be at least 1.");
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
