namespace GreenGateway.Inference.Generation;

/// <summary>Limits of an <see cref="InferenceEngine"/>.</summary>
public sealed record EngineOptions
{
    /// <summary>Bytes all live KV caches may take together; past it a new generation fails at once. Default 1 GiB.</summary>
    public long MaxKvCacheBytes { get; init; } = 1L << 30;

    /// <summary>Longest sequence (prompt + generated) a generation may reach; default: the model's max_position_embeddings.</summary>
    public int? MaxContextTokens { get; init; }

    /// <summary>Prompt positions scored per forward pass when computing prompt log-probabilities. Default 64.</summary>
    public int PromptScoringChunk { get; init; } = 64;

    /// <summary>Most prompt tokens in one prefill pass; longer prompts are prefilled in pieces. Default 512.</summary>
    public int PrefillChunk { get; init; } = 512;

    /// <summary>Most sequences decoded together in one forward pass. Default 16.</summary>
    public int MaxBatchSize { get; init; } = 16;

    public void Validate()
    {
        var errors = new List<string>();
        if (MaxKvCacheBytes <= 0)
        {
            errors.Add($"MaxKvCacheBytes must be positive, not {MaxKvCacheBytes}");
        }

        if (MaxContextTokens is < 1)
        {
            errors.Add($"MaxContextTokens must be at least 1, not {MaxContextTokens}");
        }

        if (PrefillChunk < 1)
        {
            errors.Add($"PrefillChunk must be at least 1, not {PrefillChunk}");
        }

        if (MaxBatchSize < 1)
        {
            errors.Add($"MaxBatchSize must be at least 1, not {MaxBatchSize}");
        }

        if (PromptScoringChunk < 1)
        {
            errors.Add($"PromptScoringChunk must be at least 1, not {PromptScoringChunk}");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid engine options: " + string.Join("; ", errors) + ".");
        }
    }
}
