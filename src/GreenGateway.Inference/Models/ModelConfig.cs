namespace GreenGateway.Inference.Models;

/// <summary>The shape of a model, read from config.json or GGUF metadata.</summary>
public sealed partial record ModelConfig
{
    /// <summary>Architecture family. Required.</summary>
    public required ModelArchitecture Architecture { get; init; }

    /// <summary>Rows of the embedding and the LM head. Required.</summary>
    public required int VocabSize { get; init; }

    /// <summary>Width of the residual stream. Required.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Width of the SwiGLU MLP. Required.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Number of decoder blocks. Required.</summary>
    public required int NumLayers { get; init; }

    /// <summary>Query heads. Required.</summary>
    public required int NumHeads { get; init; }

    /// <summary>Key/value heads (grouped-query attention); default: <see cref="NumHeads"/>.</summary>
    public int NumKvHeads { get; init; }

    /// <summary>Per-head width; default hidden_size / num_attention_heads.</summary>
    public int HeadDim { get; init; }

    /// <summary>RMSNorm epsilon. Default 1e-6.</summary>
    public float RmsNormEps { get; init; } = 1e-6f;

    /// <summary>RoPE base. Default 10000 (transformers' LlamaConfig default).</summary>
    public double RopeTheta { get; init; } = 10000;

    /// <summary>Linear position scaling (rope_type "linear"); 1 means none. Default 1.</summary>
    public double RopeLinearFactor { get; init; } = 1;

    /// <summary>Llama-3 RoPE scaling, or null for none. Default null.</summary>
    public Llama3RopeScaling? RopeScaling { get; init; }

    /// <summary>Pairing of RoPE dimensions. Default <see cref="RopeStyle.Half"/> (Hugging Face).</summary>
    public RopeStyle RopeStyle { get; init; } = RopeStyle.Half;

    /// <summary>Longest context the model was built for. Default 4096.</summary>
    public int MaxPositionEmbeddings { get; init; } = 4096;

    /// <summary>Whether the LM head reuses the token embedding. Default false.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Whether q, k and v projections carry biases (Qwen2, or attention_bias). Default false.</summary>
    public bool AttentionBias { get; init; }

    /// <summary>Beginning-of-sequence token, if the model has one. Default null.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>Tokens that end a generation. Default empty.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>Sliding-window length, or null; windows shorter than the context are not supported. Default null.</summary>
    public int? SlidingWindow { get; init; }

    /// <summary>Key/value width of one token in one layer.</summary>
    public int KvDim => NumKvHeads * HeadDim;

    /// <summary>Query width of one token.</summary>
    public int QDim => NumHeads * HeadDim;

    /// <summary>Fills defaults that depend on other fields and checks consistency, reporting every problem at once.</summary>
    public ModelConfig Validated()
    {
        var config = this with
        {
            NumKvHeads = NumKvHeads > 0 ? NumKvHeads : NumHeads,
            HeadDim = HeadDim > 0 ? HeadDim : (NumHeads > 0 ? HiddenSize / NumHeads : 0),
        };
        var errors = new List<string>();
        Check(config.VocabSize > 0, "vocab_size must be positive", errors);
        Check(config.HiddenSize > 0, "hidden_size must be positive", errors);
        Check(config.IntermediateSize > 0, "intermediate_size must be positive", errors);
        Check(config.NumLayers > 0, "num_hidden_layers must be positive", errors);
        Check(config.NumHeads > 0, "num_attention_heads must be positive", errors);
        Check(config.NumKvHeads > 0 && config.NumHeads % config.NumKvHeads == 0,
            $"num_attention_heads ({config.NumHeads}) must be a multiple of num_key_value_heads ({config.NumKvHeads})", errors);
        Check(config.HeadDim > 0 && config.HeadDim % 2 == 0, $"head_dim ({config.HeadDim}) must be positive and even", errors);
        Check(config.RopeTheta > 0, "rope_theta must be positive", errors);
        if (errors.Count > 0)
        {
            throw new InvalidDataException("invalid model config: " + string.Join("; ", errors) + ".");
        }

        return config;
    }

    private static void Check(bool ok, string message, List<string> errors)
    {
        if (!ok)
        {
            errors.Add(message);
        }
    }
}
