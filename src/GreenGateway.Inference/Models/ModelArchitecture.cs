namespace GreenGateway.Inference.Models;

/// <summary>The decoder-only families the engine runs; all share the Llama block (RMSNorm, RoPE, GQA, SwiGLU).</summary>
public enum ModelArchitecture
{
    /// <summary>LlamaForCausalLM (Llama 2 and 3, and GGUF's "llama" which Mistral also uses).</summary>
    Llama,

    /// <summary>MistralForCausalLM without a sliding window shorter than the context.</summary>
    Mistral,

    /// <summary>Qwen2ForCausalLM: biases on the q, k and v projections.</summary>
    Qwen2,
}

/// <summary>Which halves of a head the rotary embedding pairs up.</summary>
public enum RopeStyle
{
    /// <summary>Hugging Face's rotate_half: element i pairs with i + head_dim/2 (also GGML's NEOX mode).</summary>
    Half,

    /// <summary>GGML's normal mode: elements 2i and 2i+1 pair up (GGUF llama q/k rows are permuted to suit it).</summary>
    Interleaved,
}

/// <summary>Llama-3's frequency-dependent RoPE rescaling (transformers' modeling_rope_utils, rope_type "llama3").</summary>
public sealed record Llama3RopeScaling
{
    /// <summary>How much longer the context is than in pre-training. Required.</summary>
    public required double Factor { get; init; }

    /// <summary>Wavelengths above original_max_position / this are divided by <see cref="Factor"/>. Default 1.</summary>
    public double LowFreqFactor { get; init; } = 1;

    /// <summary>Wavelengths below original_max_position / this are kept. Default 4.</summary>
    public double HighFreqFactor { get; init; } = 4;

    /// <summary>Context length of pre-training. Default 8192.</summary>
    public int OriginalMaxPositionEmbeddings { get; init; } = 8192;
}
