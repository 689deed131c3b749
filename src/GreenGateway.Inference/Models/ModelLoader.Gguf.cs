using GreenGateway.Inference.Formats;

namespace GreenGateway.Inference.Models;

public static partial class ModelLoader
{
    private static TransformerModel LoadGguf(string path, LoadOptions options)
    {
        var gguf = GgufFile.Open(path);
        try
        {
            var config = GgufConfig(gguf);
            float[]? factors = gguf.TryGet("rope_freqs.weight", out var f) ? FloatConversion.ToSingleArray(f) : null;
            return Build(config, gguf, GgufNaming.Instance, options, factors);
        }
        catch
        {
            gguf.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The model shape from llama.cpp's metadata keys ({arch}.embedding_length, .block_count, ...). For "llama"
    /// the converter permuted the q/k rows for ggml's pairwise RoPE, so that style is used; "qwen2" keeps
    /// Hugging Face's rotate-half (ggml's NEOX mode).
    /// </summary>
    internal static ModelConfig GgufConfig(GgufFile gguf)
    {
        var arch = gguf.GetString("general.architecture")
            ?? throw new InvalidDataException($"'{gguf.Description}' has no general.architecture.");
        var (architecture, style) = arch switch
        {
            "llama" => (ModelArchitecture.Llama, RopeStyle.Interleaved),
            "qwen2" => (ModelArchitecture.Qwen2, RopeStyle.Half),
            _ => throw new NotSupportedException($"'{gguf.Description}': unsupported GGUF architecture '{arch}'; supported are llama and qwen2."),
        };
        int Required(string key) => (int)(gguf.GetInteger($"{arch}.{key}")
            ?? throw new InvalidDataException($"'{gguf.Description}' lacks the metadata key {arch}.{key}."));
        var heads = Required("attention.head_count");
        var hidden = Required("embedding_length");
        var vocab = gguf.GetArray<string>("tokenizer.ggml.tokens")?.Length
            ?? (gguf.TryGet("token_embd.weight", out var e) ? (int)e.Shape[0] : 0);
        var eos = gguf.GetInteger("tokenizer.ggml.eos_token_id");
        return new ModelConfig
        {
            Architecture = architecture,
            VocabSize = vocab,
            HiddenSize = hidden,
            IntermediateSize = Required("feed_forward_length"),
            NumLayers = Required("block_count"),
            NumHeads = heads,
            NumKvHeads = (int)(gguf.GetInteger($"{arch}.attention.head_count_kv") ?? heads),
            HeadDim = (int)(gguf.GetInteger($"{arch}.rope.dimension_count") ?? hidden / heads),
            RmsNormEps = (float)(gguf.GetFloat($"{arch}.attention.layer_norm_rms_epsilon") ?? 1e-5),
            RopeTheta = gguf.GetFloat($"{arch}.rope.freq_base") ?? 10000,
            RopeStyle = style,
            MaxPositionEmbeddings = (int)(gguf.GetInteger($"{arch}.context_length") ?? 4096),
            TieWordEmbeddings = !gguf.TryGet("output.weight", out _),
            AttentionBias = architecture == ModelArchitecture.Qwen2,
            BosTokenId = (int?)gguf.GetInteger("tokenizer.ggml.bos_token_id"),
            EosTokenIds = eos is { } id ? [(int)id] : [],
        }.Validated();
    }
}
