namespace GreenGateway.Inference.Models;

/// <summary>The tensors of one decoder block.</summary>
internal enum LayerTensor
{
    AttentionNorm,
    Q,
    K,
    V,
    QBias,
    KBias,
    VBias,
    Output,
    MlpNorm,
    Gate,
    Up,
    Down,
}

/// <summary>Tensor names of a checkpoint format.</summary>
internal interface ITensorNaming
{
    string Embedding { get; }

    string FinalNorm { get; }

    string LmHead { get; }

    string Layer(int layer, LayerTensor tensor);
}

/// <summary>Hugging Face transformers' names (modeling_llama.py, modeling_qwen2.py).</summary>
internal sealed class HuggingFaceNaming : ITensorNaming
{
    public static readonly HuggingFaceNaming Instance = new();

    public string Embedding => "model.embed_tokens.weight";

    public string FinalNorm => "model.norm.weight";

    public string LmHead => "lm_head.weight";

    public string Layer(int layer, LayerTensor tensor) => $"model.layers.{layer}." + tensor switch
    {
        LayerTensor.AttentionNorm => "input_layernorm.weight",
        LayerTensor.Q => "self_attn.q_proj.weight",
        LayerTensor.K => "self_attn.k_proj.weight",
        LayerTensor.V => "self_attn.v_proj.weight",
        LayerTensor.QBias => "self_attn.q_proj.bias",
        LayerTensor.KBias => "self_attn.k_proj.bias",
        LayerTensor.VBias => "self_attn.v_proj.bias",
        LayerTensor.Output => "self_attn.o_proj.weight",
        LayerTensor.MlpNorm => "post_attention_layernorm.weight",
        LayerTensor.Gate => "mlp.gate_proj.weight",
        LayerTensor.Up => "mlp.up_proj.weight",
        LayerTensor.Down => "mlp.down_proj.weight",
        _ => throw new ArgumentOutOfRangeException(nameof(tensor)),
    };
}

/// <summary>llama.cpp's GGUF names (gguf-py/gguf/constants.py, MODEL_TENSOR names).</summary>
internal sealed class GgufNaming : ITensorNaming
{
    public static readonly GgufNaming Instance = new();

    public string Embedding => "token_embd.weight";

    public string FinalNorm => "output_norm.weight";

    public string LmHead => "output.weight";

    public string Layer(int layer, LayerTensor tensor) => $"blk.{layer}." + tensor switch
    {
        LayerTensor.AttentionNorm => "attn_norm.weight",
        LayerTensor.Q => "attn_q.weight",
        LayerTensor.K => "attn_k.weight",
        LayerTensor.V => "attn_v.weight",
        LayerTensor.QBias => "attn_q.bias",
        LayerTensor.KBias => "attn_k.bias",
        LayerTensor.VBias => "attn_v.bias",
        LayerTensor.Output => "attn_output.weight",
        LayerTensor.MlpNorm => "ffn_norm.weight",
        LayerTensor.Gate => "ffn_gate.weight",
        LayerTensor.Up => "ffn_up.weight",
        LayerTensor.Down => "ffn_down.weight",
        _ => throw new ArgumentOutOfRangeException(nameof(tensor)),
    };
}
