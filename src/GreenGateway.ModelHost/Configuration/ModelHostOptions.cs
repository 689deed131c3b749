using GreenGateway.Inference.Cuda.Backend;

namespace GreenGateway.ModelHost.Configuration;

/// <summary>The model server's settings (section <c>ModelHost</c>; <c>--model PATH</c> sets <see cref="Model"/>).</summary>
public sealed record ModelHostOptions
{
    public const string Section = "ModelHost";

    /// <summary>Required. A Hugging Face checkpoint folder (config.json + safetensors) or a .gguf file.</summary>
    public string Model { get; init; } = "";

    /// <summary>
    /// The key clients must send as <c>Authorization: Bearer</c> to generate (everything but <c>GET /health</c> and
    /// <c>GET /v1/models</c>); also read from the environment variable <c>GG_MODEL_HOST_API_KEY</c>. Default none: open.
    /// The gateway's in-process model server sets a fresh random one at every start.
    /// </summary>
    public string? ApiKey { get; init; } = Environment.GetEnvironmentVariable("GG_MODEL_HOST_API_KEY") is { Length: > 0 } key ? key : null;

    /// <summary>The id served in <c>/v1/models</c> and accepted in <c>model</c>. Default: the folder or file name.</summary>
    public string? ServedModelName { get; init; }

    /// <summary>Kernel threads. Default: the processor count.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Where the model runs: <c>cpu</c> (default), <c>cuda</c> (fails at start without a GPU) or <c>auto</c> (the GPU when
    /// one and its driver are there, else the CPU with a log line). On CUDA, <see cref="Weights"/> <c>f32</c> keeps
    /// f16 checkpoints in f16 and <c>int8</c> quantizes as the CPU does; energy is NVML's (docs/cuda.md).
    /// </summary>
    public string Backend { get; init; } = "cpu";

    /// <summary>Weights in memory: <c>f32</c> (default) or <c>int8</c>.</summary>
    public string Weights { get; init; } = "f32";

    /// <summary>Longest sequence (prompt + completion). Default: the model's max_position_embeddings.</summary>
    public int? MaxContextTokens { get; init; }

    /// <summary>KV caches kept warm for prefix reuse across requests. Default 4; 0 turns reuse off.</summary>
    public int PrefixCacheSlots { get; init; } = 4;

    /// <summary>Bytes all KV caches may take together. Default 512 MiB.</summary>
    public long MaxKvCacheBytes { get; init; } = 512L << 20;

    /// <summary>
    /// Watts one busy core draws, for the CPU-time estimate where RAPL cannot be read. Default 4.4: an AMD EPYC 7763
    /// (the CI machines' family) has a 280 W default TDP over 64 cores (AMD's product page for the EPYC 7763).
    /// </summary>
    public double WattsPerCore { get; init; } = 4.4;

    /// <summary>Where RAPL counters live. Default <c>/sys/class/powercap</c>.</summary>
    public string PowercapPath { get; init; } = "/sys/class/powercap";

    /// <summary>
    /// How tool calls are read out of chat answers when a request offers <c>tools</c>: <c>auto</c> (default: the format
    /// the chat template itself renders calls in: Hermes/Qwen2.5 <c>&lt;tool_call&gt;</c>, Mistral <c>[TOOL_CALLS]</c>,
    /// Llama 3.1 JSON; none for templates without tools), <c>hermes</c>, <c>mistral</c>, <c>llama3_json</c> or
    /// <c>none</c> (answers stay text). The names are vLLM's <c>--tool-call-parser</c> values.
    /// </summary>
    public string ToolCallParser { get; init; } = "auto";

    /// <summary>Every problem with these settings, all at once.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Model))
        {
            errors.Add("ModelHost:Model is required (--model PATH): a checkpoint folder or a .gguf file");
        }
        else if (!Directory.Exists(Model) && !File.Exists(Model))
        {
            errors.Add($"ModelHost:Model '{Model}' does not exist (relative paths are resolved from '{Environment.CurrentDirectory}')");
        }

        if (Threads < 1)
        {
            errors.Add($"ModelHost:Threads must be at least 1, not {Threads}");
        }

        if (Weights is not ("f32" or "int8"))
        {
            errors.Add($"ModelHost:Weights must be 'f32' or 'int8', not '{Weights}'");
        }

        if (!BackendKinds.TryParse(Backend, out _))
        {
            errors.Add($"ModelHost:Backend must be {BackendKinds.Accepted}, not '{Backend}'");
        }

        if (MaxContextTokens is < 2)
        {
            errors.Add($"ModelHost:MaxContextTokens must be at least 2, not {MaxContextTokens}");
        }

        if (PrefixCacheSlots is < 0 or > 64)
        {
            errors.Add($"ModelHost:PrefixCacheSlots must be in 0..64, not {PrefixCacheSlots}");
        }

        if (MaxKvCacheBytes < 1 << 20)
        {
            errors.Add($"ModelHost:MaxKvCacheBytes must be at least 1 MiB, not {MaxKvCacheBytes}");
        }

        if (!Serving.ToolCalls.TryParseSetting(ToolCallParser, out _))
        {
            errors.Add($"ModelHost:ToolCallParser must be auto, none, hermes, mistral or llama3_json, not '{ToolCallParser}'");
        }

        if (!(WattsPerCore > 0) || double.IsInfinity(WattsPerCore))
        {
            errors.Add($"ModelHost:WattsPerCore must be a positive number, not {WattsPerCore}");
        }

        return errors;
    }
}
