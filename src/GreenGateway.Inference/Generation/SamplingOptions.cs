namespace GreenGateway.Inference.Generation;

/// <summary>How the next token is chosen, and how many.</summary>
public sealed record SamplingOptions
{
    /// <summary>Softmax temperature; 0 picks the most likely token (greedy). Default 1.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Keep only the k most likely tokens; 0 keeps all. Default 0.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of most likely tokens whose probability reaches p (nucleus). Default 1 (all).</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Seed of the random draw; the same seed, prompt and options give the same tokens. Default null (random).</summary>
    public int? Seed { get; init; }

    /// <summary>Most tokens to generate. Default 256.</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>How many most likely alternatives to report with each token. Default 0.</summary>
    public int TopLogprobs { get; init; }

    /// <summary>Tokens that end the generation besides the model's end-of-sequence tokens. Default none.</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>Keep generating past the model's end-of-sequence tokens. Default false.</summary>
    public bool IgnoreEos { get; init; }

    /// <summary>
    /// Whether each token's log-probability is computed (default true). A greedy generation (temperature 0) that asks
    /// for none and no <see cref="TopLogprobs"/> takes the argmax where the logits are, on a backend that can
    /// (<see cref="Models.IGreedyDecoding"/>, the GPUs): 4 bytes a step come back instead of the vocabulary, and
    /// <see cref="GeneratedToken.Logprob"/> is 0.
    /// </summary>
    public bool Logprobs { get; init; } = true;

    /// <summary>Whether the decode steps may take the argmax on the device (see <see cref="Logprobs"/>).</summary>
    internal bool GreedyOnDevice => Temperature == 0 && !Logprobs && TopLogprobs == 0;

    /// <summary>Checks every option, reporting all problems at once.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (!(Temperature >= 0) || float.IsInfinity(Temperature))
        {
            errors.Add($"Temperature must be finite and >= 0, not {Temperature}");
        }

        if (TopK < 0)
        {
            errors.Add($"TopK must be >= 0, not {TopK}");
        }

        if (!(TopP > 0 && TopP <= 1))
        {
            errors.Add($"TopP must be in (0, 1], not {TopP}");
        }

        if (MaxTokens < 1)
        {
            errors.Add($"MaxTokens must be at least 1, not {MaxTokens}");
        }

        if (TopLogprobs is < 0 or > 20)
        {
            errors.Add($"TopLogprobs must be in 0..20, not {TopLogprobs}");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid sampling options: " + string.Join("; ", errors) + ".");
        }
    }
}
