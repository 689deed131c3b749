using System.Text.Json;

namespace GreenGateway.Inference.Models;

public sealed partial record ModelConfig
{
    /// <summary>
    /// Parses a Hugging Face config.json. RoPE settings are read from the legacy <c>rope_theta</c> +
    /// <c>rope_scaling</c> keys that published checkpoints carry, or from transformers 5's <c>rope_parameters</c>.
    /// </summary>
    public static ModelConfig FromJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var architecture = ParseArchitecture(root);
        var rope = root.TryGetProperty("rope_parameters", out var rp) && rp.ValueKind == JsonValueKind.Object ? rp
            : root.TryGetProperty("rope_scaling", out var rs) && rs.ValueKind == JsonValueKind.Object ? rs : default;
        var theta = Number(root, "rope_theta") ?? (rope.ValueKind == JsonValueKind.Object ? Number(rope, "rope_theta") : null) ?? 10000;
        var (linear, llama3) = ParseRopeScaling(rope);
        var useWindow = architecture != ModelArchitecture.Qwen2 || Bool(root, "use_sliding_window") == true;
        return new ModelConfig
        {
            Architecture = architecture,
            VocabSize = Int(root, "vocab_size") ?? 0,
            HiddenSize = Int(root, "hidden_size") ?? 0,
            IntermediateSize = Int(root, "intermediate_size") ?? 0,
            NumLayers = Int(root, "num_hidden_layers") ?? 0,
            NumHeads = Int(root, "num_attention_heads") ?? 0,
            NumKvHeads = Int(root, "num_key_value_heads") ?? 0,
            HeadDim = Int(root, "head_dim") ?? 0,
            RmsNormEps = (float)(Number(root, "rms_norm_eps") ?? 1e-6),
            RopeTheta = theta,
            RopeLinearFactor = linear,
            RopeScaling = llama3,
            MaxPositionEmbeddings = Int(root, "max_position_embeddings") ?? 4096,
            TieWordEmbeddings = Bool(root, "tie_word_embeddings") ?? false,
            AttentionBias = architecture == ModelArchitecture.Qwen2 || (Bool(root, "attention_bias") ?? false),
            BosTokenId = Int(root, "bos_token_id"),
            EosTokenIds = IntList(root, "eos_token_id"),
            SlidingWindow = useWindow ? Int(root, "sliding_window") : null,
        }.Validated();
    }

    private static ModelArchitecture ParseArchitecture(JsonElement root)
    {
        var names = root.TryGetProperty("architectures", out var a) && a.ValueKind == JsonValueKind.Array
            ? a.EnumerateArray().Select(static e => e.GetString() ?? "").ToArray() : [];
        var modelType = root.TryGetProperty("model_type", out var mt) ? mt.GetString() : null;
        foreach (var name in names)
        {
            switch (name)
            {
                case "LlamaForCausalLM": return ModelArchitecture.Llama;
                case "MistralForCausalLM": return ModelArchitecture.Mistral;
                case "Qwen2ForCausalLM": return ModelArchitecture.Qwen2;
            }
        }

        return modelType switch
        {
            "llama" when names.Length == 0 => ModelArchitecture.Llama,
            "mistral" when names.Length == 0 => ModelArchitecture.Mistral,
            "qwen2" when names.Length == 0 => ModelArchitecture.Qwen2,
            _ => throw new NotSupportedException(
                $"unsupported architecture {(names.Length > 0 ? string.Join(", ", names) : modelType ?? "(none given)")}; " +
                "supported are LlamaForCausalLM, MistralForCausalLM and Qwen2ForCausalLM."),
        };
    }

    private static (double Linear, Llama3RopeScaling? Llama3) ParseRopeScaling(JsonElement rope)
    {
        if (rope.ValueKind != JsonValueKind.Object)
        {
            return (1, null);
        }

        var type = rope.TryGetProperty("rope_type", out var t) ? t.GetString() : rope.TryGetProperty("type", out var t2) ? t2.GetString() : "default";
        return type switch
        {
            "default" or null => (1, null),
            "linear" => (Number(rope, "factor") ?? 1, null),
            "llama3" => (1, new Llama3RopeScaling
            {
                Factor = Number(rope, "factor") ?? throw new InvalidDataException("rope_scaling llama3 needs a factor."),
                LowFreqFactor = Number(rope, "low_freq_factor") ?? 1,
                HighFreqFactor = Number(rope, "high_freq_factor") ?? 4,
                OriginalMaxPositionEmbeddings = (int)(Number(rope, "original_max_position_embeddings") ?? 8192),
            }),
            _ => throw new NotSupportedException($"unsupported rope_scaling type '{type}'; supported are default, linear and llama3."),
        };
    }

    private static double? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    private static bool? Bool(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    private static int[] IntList(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v))
        {
            return [];
        }

        return v.ValueKind switch
        {
            JsonValueKind.Number => [v.GetInt32()],
            JsonValueKind.Array => v.EnumerateArray().Where(static x => x.ValueKind == JsonValueKind.Number).Select(static x => x.GetInt32()).ToArray(),
            _ => [],
        };
    }
}
