namespace GreenGateway.Configuration;

/// <summary>The <c>Cascade</c> section: the draft model (T2), speculative verification (T3) and the router.</summary>
public sealed record CascadeSettings
{
    public DraftSettings Draft { get; init; } = new();

    public SpeculativeSettings Speculative { get; init; } = new();

    public RouterSettings Router { get; init; } = new();

    /// <summary>
    /// A tier whose p99 latency is over this many times the large model's alone (both on that model's recent answers) is
    /// reported in the log. Tenants skip slow tiers with <c>cascade.max_added_latency_ms</c>. Default 2.
    /// </summary>
    public double LatencyReportFactor { get; init; } = 2;

    public void Validate(List<string> errors)
    {
        if (!(LatencyReportFactor >= 1))
        {
            errors.Add($"Cascade.LatencyReportFactor must be >= 1, not {LatencyReportFactor}.");
        }

        Draft.Validate(errors);
        Speculative.Validate(errors);
        Router.Validate(errors);
    }
}

/// <summary>The draft model, run in the gateway's process on its own kernels.</summary>
public sealed record DraftSettings
{
    /// <summary>Turns the draft and speculative tiers on. Default true (they act only for <see cref="ServesModels"/>).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The draft's folder (Hugging Face config.json, model.safetensors, tokenizer.json) or GGUF file. Default models/draft.</summary>
    public string Model { get; init; } = "models/draft";

    /// <summary>
    /// The models (as clients name them, or their upstream names) the draft stands in for and drafts for. Their
    /// upstream must share the draft's tokenizer and speak vLLM's <c>prompt_logprobs</c>. Default ["target"].
    /// </summary>
    public string[] ServesModels { get; init; } = ["target"];

    /// <summary>
    /// Where the draft runs: <c>cpu</c> (the engine's SIMD kernels), <c>cuda</c> (the CUDA backend, docs/cuda.md; fails
    /// to start without a GPU) or <c>auto</c> (CUDA when a GPU and driver are there, else the CPU, with a log line).
    /// Default auto.
    /// </summary>
    public string Backend { get; init; } = "auto";

    /// <summary>Kernel threads of the draft model. Default 1 (its energy is then the thread's measured CPU time).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Tokens the draft generates at most when answering alone (and the request's max_tokens, if lower). Default 128.</summary>
    public int MaxTokens { get; init; } = 128;

    /// <summary>
    /// Watts per busy core: the draft's energy is its measured CPU time times this (RAPL is root-only on Linux
    /// 5.10+). Default 6.25 W: Intel Xeon Platinum 8480+, 350 W TDP over 56 cores (Intel ARK).
    /// </summary>
    public double WattsPerCore { get; init; } = 6.25;

    /// <summary>KV-cache memory the draft may hold at once, in MiB. Default 256.</summary>
    public int MaxKvCacheMiB { get; init; } = 256;

    public void Validate(List<string> errors)
    {
        if (Backend is not ("cpu" or "cuda" or "auto"))
        {
            errors.Add($"Cascade.Draft.Backend must be 'cpu', 'cuda' or 'auto', not '{Backend}'.");
        }

        if (Threads < 1)
        {
            errors.Add($"Cascade.Draft.Threads must be at least 1, not {Threads}.");
        }

        if (MaxTokens < 1)
        {
            errors.Add($"Cascade.Draft.MaxTokens must be at least 1, not {MaxTokens}.");
        }

        if (WattsPerCore < 0)
        {
            errors.Add($"Cascade.Draft.WattsPerCore must be >= 0, not {WattsPerCore}.");
        }

        if (MaxKvCacheMiB < 1)
        {
            errors.Add($"Cascade.Draft.MaxKvCacheMiB must be at least 1, not {MaxKvCacheMiB}.");
        }
    }
}

/// <summary>Speculative verification: how many tokens the draft proposes per call to the large model.</summary>
public sealed record SpeculativeSettings
{
    /// <summary>Fewest tokens proposed per verification call. Default 2.</summary>
    public int MinK { get; init; } = 2;

    /// <summary>Most tokens proposed per verification call. Default 10.</summary>
    public int MaxK { get; init; } = 10;

    /// <summary>Acceptance rate assumed before any is observed. Default 0.5 (the demo pair's measured 51.9%, docs/demo-models.md).</summary>
    public double InitialAcceptanceRate { get; init; } = 0.5;

    /// <summary>
    /// A drafted token's cost as a fraction of a verification call (c in Leviathan et al. 2023). Default 0.2: the
    /// demo draft has 0.18 of the target's parameters.
    /// </summary>
    public double DraftCostRatio { get; init; } = 0.2;

    /// <summary>Alternatives per position asked of the large model (vLLM's limit is 20). Default 20.</summary>
    public int TopLogprobs { get; init; } = 20;

    /// <summary>
    /// Speculate only while it saves energy: when the speculative answers of a model have cost more, on the median of
    /// recent ones, than the large model alone would have (their baseline), requests go to the large model instead,
    /// but for <see cref="ProbeFraction"/> of them, which keep measuring. On a GPU verifying k tokens costs about one
    /// decoded token and speculation pays; on a CPU it costs about k, and it does not. Default true.
    /// </summary>
    public bool RequireSavings { get; init; } = true;

    /// <summary>Share of requests still speculated while speculation does not pay, to keep measuring it. Default 0.1.</summary>
    public double ProbeFraction { get; init; } = 0.1;

    /// <summary>Most tokens the speculative tier generates when the request sets no max_tokens. Default 256.</summary>
    public int DefaultMaxTokens { get; init; } = 256;

    public void Validate(List<string> errors)
    {
        if (MinK < 1 || MaxK < MinK)
        {
            errors.Add($"Cascade.Speculative: need 1 <= MinK <= MaxK, not {MinK} and {MaxK}.");
        }

        if (InitialAcceptanceRate is < 0 or > 1)
        {
            errors.Add($"Cascade.Speculative.InitialAcceptanceRate must be in [0, 1], not {InitialAcceptanceRate}.");
        }

        if (DraftCostRatio < 0)
        {
            errors.Add($"Cascade.Speculative.DraftCostRatio must be >= 0, not {DraftCostRatio}.");
        }

        if (TopLogprobs is < 0 or > 20)
        {
            errors.Add($"Cascade.Speculative.TopLogprobs must be in [0, 20], not {TopLogprobs}.");
        }

        if (ProbeFraction is < 0 or > 1)
        {
            errors.Add($"Cascade.Speculative.ProbeFraction must be in [0, 1], not {ProbeFraction}.");
        }

        if (DefaultMaxTokens < 1)
        {
            errors.Add($"Cascade.Speculative.DefaultMaxTokens must be at least 1, not {DefaultMaxTokens}.");
        }
    }
}

/// <summary>The learned router that predicts the cheapest tier likely to succeed.</summary>
public sealed record RouterSettings
{
    /// <summary>The trained router (<c>gg router train</c>: an ML.NET model zip). Default models/router/router.zip; none there: no router.</summary>
    public string? Model { get; init; } = "models/router/router.zip";

    /// <summary>
    /// The router's probability at or above which a prediction of <c>speculative</c> skips the draft's attempt
    /// to answer alone, and of <c>upstream</c> skips the draft entirely. Default 0.6.
    /// </summary>
    public double SkipThreshold { get; init; } = 0.6;

    /// <summary>
    /// A JSONL file the gateway appends each request's outcome to (prompt, tier, label), for retraining on a
    /// tenant's real traffic. Holds prompts: off by default.
    /// </summary>
    public string? OutcomeLog { get; init; }

    public void Validate(List<string> errors)
    {
        if (SkipThreshold is < 0 or > 1)
        {
            errors.Add($"Cascade.Router.SkipThreshold must be in [0, 1], not {SkipThreshold}.");
        }
    }
}
