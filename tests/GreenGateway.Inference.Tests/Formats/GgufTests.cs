using GreenGateway.Inference.Formats;
using GreenGateway.Inference.Kernels;
using GreenGateway.Inference.Models;
using GreenGateway.Inference.Tests.Models;
using GreenGateway.Inference.Tests.Tokenization;
using GreenGateway.Inference.Tokenization;

namespace GreenGateway.Inference.Tests.Formats;

/// <summary>
/// TestData/models/mistral-gguf/model.gguf is the mistral reference model written by the reference script's own
/// GGUF writer: F32 embedding and norms, F16 output, Q8_0 q/k/o/down and Q4_0 v/gate/up, q and k rows permuted
/// as llama.cpp's converter does. Its reference logits come from transformers running the dequantized weights.
/// </summary>
public sealed class GgufTests
{
    private static readonly string GgufPath = ReferenceData.PathOf("models", "mistral-gguf", "model.gguf");

    [Fact]
    public void Open_Version3File_ReadsMetadataAndTensorInfos()
    {
        using var gguf = GgufFile.Open(GgufPath);

        Assert.Equal(3u, gguf.Version);
        Assert.Equal("llama", gguf.GetString("general.architecture"));
        Assert.Equal(2, gguf.GetInteger("llama.block_count"));
        Assert.Equal(10000.0, gguf.GetFloat("llama.rope.freq_base"));
        Assert.True(gguf.TryGet("blk.0.attn_q.weight", out var q));
        Assert.Equal(TensorDType.Q8_0, q.DType);
        Assert.Equal([64L, 64L], q.Shape);
        Assert.True(gguf.TryGet("blk.1.ffn_down.weight", out var down));
        Assert.Equal([64L, 192L], down.Shape);
        Assert.True(gguf.TryGet("blk.0.ffn_up.weight", out var up));
        Assert.Equal(TensorDType.Q4_0, up.DType);
    }

    [Fact]
    public void Load_QuantizedGguf_LogitsMatchTransformersOnTheDequantizedWeights()
    {
        using var model = ModelLoader.Load(GgufPath, new LoadOptions { Threads = 2 });
        var ids = ReferenceModelTests.PromptIds("mistral", 0);
        var logits = new float[ids.Length * model.Config.VocabSize];

        model.Forward(model.CreateCache(16), ids, logits, allPositions: true);

        Assert.Equal(RopeStyle.Interleaved, model.Config.RopeStyle);
        var error = ReferenceData.RelativeError(logits, ReferenceData.Tensor("mistral-gguf.prefill.0"));
        TestContext.Current.TestOutputHelper?.WriteLine($"relative error {error:E2}");
        Assert.True(error < 1e-4, $"relative error {error:E2}");
    }

    /// <remarks>
    /// Q4_0 keeps 16 levels a group; on these Gaussian random weights the logits move by 24% of their largest
    /// magnitude (measured), so the bound is 35%. Exactness of the quantized kernels is the test above.
    /// </remarks>
    [Fact]
    public void Load_MixedQ8Q4Gguf_StaysWithin35PercentOfTheF32Model()
    {
        using var model = ModelLoader.Load(GgufPath, new LoadOptions { Threads = 1 });
        var ids = ReferenceModelTests.PromptIds("mistral", 0);
        var logits = new float[ids.Length * model.Config.VocabSize];

        model.Forward(model.CreateCache(16), ids, logits, allPositions: true);

        var error = ReferenceData.RelativeError(logits, ReferenceData.Tensor("mistral.prefill.0"));

        TestContext.Current.TestOutputHelper?.WriteLine($"relative error {error:E2}");
        Assert.InRange(error, 1e-3, 0.35);
    }

    [Fact]
    public void Load_QuantizedGguf_GreedyTokensMatchTheReference()
    {
        using var model = ModelLoader.Load(GgufPath, new LoadOptions { Threads = 2 });
        var expected = ReferenceData.Ints(ReferenceData.Root.GetProperty("models").GetProperty("mistral").GetProperty("gguf_greedy"));
        var cache = model.CreateCache(32);
        var logits = new float[model.Config.VocabSize];
        var generated = new List<int>();

        model.Forward(cache, ReferenceModelTests.PromptIds("mistral", 0), logits);
        for (var i = 0; i < expected.Length; i++)
        {
            generated.Add(ReferenceModelTests.ArgMax(logits));
            model.Forward(cache, [generated[^1]], logits);
        }

        Assert.Equal(expected, generated);
        Assert.Equal(WeightFormat.Int8, model.WeightFormat);
    }

    /// <summary>
    /// The Qwen2 reference model rewritten as a qwen2 GGUF by the tests' own writer: biases, rotate-half RoPE
    /// (no q/k permutation for qwen2) and the tied output all take the GGUF path.
    /// </summary>
    [Fact]
    public void Load_Qwen2Gguf_LogitsMatchTransformers()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gg-{Guid.NewGuid():N}.gguf");
        WriteQwen2Gguf(path);
        try
        {
            using var model = ModelLoader.Load(path, new LoadOptions { Threads = 2 });
            var ids = ReferenceModelTests.PromptIds("qwen2", 0);
            var logits = new float[ids.Length * model.Config.VocabSize];

            model.Forward(model.CreateCache(16), ids, logits, allPositions: true);

            Assert.Equal(ModelArchitecture.Qwen2, model.Config.Architecture);
            Assert.True(model.Config.TieWordEmbeddings);
            var error = ReferenceData.RelativeError(logits, ReferenceData.Tensor("qwen2.prefill.0"));
            Assert.True(error < 1e-4, $"relative error {error:E2}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Open_KQuantTensor_IsRefusedNamingTheTensorAndItsType()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gg-{Guid.NewGuid():N}.gguf");
        GgufWriter.WriteInfos(path, [("general.architecture", "llama")], [("blk.0.attn_q.weight", [256, 4], 12)]);
        try
        {
            var error = Assert.Throws<NotSupportedException>(() => GgufFile.Open(path));

            Assert.Contains("'blk.0.attn_q.weight'", error.Message);
            Assert.Contains("Q4_K", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_UnsupportedGgufArchitecture_NamesIt()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gg-{Guid.NewGuid():N}.gguf");
        GgufWriter.WriteInfos(path, [("general.architecture", "gemma")], [("token_embd.weight", [64, 8], 0)]);
        try
        {
            var error = Assert.Throws<NotSupportedException>(() => ModelLoader.Load(path));

            Assert.Contains("gemma", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Open_NotAGgufFile_SaysSo()
    {
        var error = Assert.Throws<InvalidDataException>(() => GgufFile.Open(ReferenceData.PathOf("reference.json")));

        Assert.Contains("not a GGUF file", error.Message);
    }

    [Fact]
    public void FromGguf_EmbeddedVocabulary_TokenizesLikeTheTokenizerJson()
    {
        var fromGguf = Tokenizer.FromGguf(GgufPath);
        var fromJson = ReferenceTokenizerTests.Load("gpt2");
        var texts = ReferenceData.Tokenization.GetProperty("texts").EnumerateArray().Select(static t => t.GetString()!);

        foreach (var text in texts)
        {
            Assert.Equal(fromJson.Encode(text), fromGguf.Encode(text));
        }

        Assert.True(fromGguf.IsSpecial(fromGguf.TokenToId("<|im_end|>")!.Value));
        Assert.False(fromGguf.IsSpecial(fromGguf.TokenToId("GreenGateway")!.Value));
    }

    private static void WriteQwen2Gguf(string path)
    {
        var hf = HuggingFaceNaming.Instance;
        var gg = GgufNaming.Instance;
        var names = new List<(string Hf, string Gguf)> { (hf.Embedding, gg.Embedding), (hf.FinalNorm, gg.FinalNorm) };
        for (var i = 0; i < 2; i++)
        {
            names.AddRange(Enum.GetValues<LayerTensor>().Select(t => (hf.Layer(i, t), gg.Layer(i, t))));
        }

        using var source = SafeTensorsFile.Open(Path.Combine(ReferenceData.ModelPath("qwen2"), "model.safetensors"));
        var tensors = names.Select(n =>
        {
            Assert.True(source.TryGet(n.Hf, out var t), n.Hf);
            return (n.Gguf, t.Shape.Reverse().Select(static d => (ulong)d).ToArray(), 0u, t.Bytes.ToArray());
        }).ToList();
        GgufWriter.Write(path,
        [
            ("general.architecture", "qwen2"), ("qwen2.embedding_length", 64u), ("qwen2.block_count", 2u),
            ("qwen2.feed_forward_length", 192u), ("qwen2.attention.head_count", 4u), ("qwen2.attention.head_count_kv", 2u),
            ("qwen2.rope.freq_base", 1e6f), ("qwen2.attention.layer_norm_rms_epsilon", 1e-6f), ("qwen2.context_length", 4096u),
        ], tensors);
    }
}
