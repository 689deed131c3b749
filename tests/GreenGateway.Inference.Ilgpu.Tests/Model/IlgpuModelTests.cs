using GreenGateway.Inference.Generation;
using GreenGateway.Inference.Ilgpu.Model;
using GreenGateway.Inference.Ilgpu.Runtime;
using GreenGateway.Inference.Ilgpu.Tests.Kernels;
using GreenGateway.Inference.Kernels;
using GreenGateway.Inference.Models;
using GreenGateway.Inference.Tokenization;

namespace GreenGateway.Inference.Ilgpu.Tests.Model;

/// <summary>
/// The ILGPU backend on the CPU accelerator against the CPU engine, on the shipped demo models and the CPU engine's
/// small random reference models (Llama with GQA and llama3 RoPE scaling, Mistral GQA 4:1, Qwen2 with biases and
/// tied embeddings, a GGUF with interleaved RoPE): prefill logits of every position, greedy continuations token for
/// token, batched decode, int8, the argmax path and the KV pool.
/// </summary>
public sealed class IlgpuModelTests
{
    private static readonly string[] Prompts = ["The energy cost of a token"];

    [Theory]
    [InlineData("draft")]
    [InlineData("target")]
    public void Demo_model_prefill_logits_equal_the_cpu_engine(string name)
    {
        var dir = Path.Combine(RepoPaths.Models, name);
        using var cpu = ModelLoader.Load(dir, new LoadOptions { Threads = 2 });
        using var gpu = IlgpuModel.FromCpuModel(cpu, new IlgpuOptions { Device = IlgpuDeviceKind.CpuSingleLane });
        var tokenizer = Tokenizer.FromFile(Path.Combine(dir, "tokenizer.json"));
        foreach (var text in Prompts)
        {
            var prompt = tokenizer.Encode(text, addSpecialTokens: true).ToArray();
            Assert.InRange(PrefillError(cpu, gpu, prompt), 0, 1e-4);
        }
    }

    [Theory]
    [InlineData("draft", IlgpuDeviceKind.CpuSingleLane)]
    public void Demo_model_greedy_continuation_equals_the_cpu_engine(string name, IlgpuDeviceKind device)
    {
        var dir = Path.Combine(RepoPaths.Models, name);
        using var cpu = ModelLoader.Load(dir, new LoadOptions { Threads = 2 });
        using var gpu = IlgpuModel.FromCpuModel(cpu, new IlgpuOptions { Device = device });
        var tokenizer = Tokenizer.FromFile(Path.Combine(dir, "tokenizer.json"));
        var prompt = tokenizer.Encode(Prompts[0], addSpecialTokens: true).ToArray();
        var expected = GreedyOnLogits(cpu, prompt, 4);
        Assert.Equal(expected, GreedyOnDevice(gpu, prompt, 4));
    }

    [Theory]
    [InlineData("llama", IlgpuWeightFormat.Int8)]
    [InlineData("mistral", IlgpuWeightFormat.Int8)]
    [InlineData("qwen2", IlgpuWeightFormat.Int8)]
    [InlineData("qwen2-f16", IlgpuWeightFormat.F16)]
    public void Reference_model_prefill_logits_and_greedy_tokens_equal_the_cpu_engine(string name, IlgpuWeightFormat format)
    {
        // The same weights on both sides: an f16 checkpoint kept in f16, or the f32 checkpoints quantized to int8 by the
        // one rule both backends use (the accelerator would otherwise round f32 weights to f16).
        var cpuFormat = format == IlgpuWeightFormat.Int8 ? WeightFormat.Int8 : WeightFormat.F32;
        using var cpu = ModelLoader.Load(RepoPaths.ReferenceModel(name), new LoadOptions { Threads = 2, Weights = cpuFormat });
        using var f32 = ModelLoader.Load(RepoPaths.ReferenceModel(name), new LoadOptions { Threads = 2 });
        using var gpu = IlgpuModel.FromCpuModel(f32, new IlgpuOptions { Device = IlgpuDeviceKind.CpuSingleLane, Weights = format });
        int[] prompt = [1, 17, 250, 3, 99, 42, 7, 300];
        Assert.InRange(PrefillError(cpu, gpu, prompt), 0, 1e-4);
        Assert.Equal(GreedyOnLogits(cpu, prompt, 8), GreedyOnDevice(gpu, prompt, 8));
    }

    [Fact]
    public void Gguf_model_with_interleaved_rope_matches_the_cpu_engine()
    {
        // Q8_0/Q4_0 blocks are widened and held in f16 on the accelerator, so the weights differ by f16 rounding.
        using var cpu = ModelLoader.Load(RepoPaths.ReferenceModel("mistral-gguf/model.gguf"), new LoadOptions { Threads = 2 });
        Assert.Equal(RopeStyle.Interleaved, cpu.Config.RopeStyle);
        using var gpu = IlgpuModel.FromCpuModel(cpu, new IlgpuOptions { Device = IlgpuDeviceKind.CpuSingleLane });
        Assert.InRange(PrefillError(cpu, gpu, [1, 17, 250, 3, 99, 42, 7, 300]), 0, 5e-3);
    }

    [Fact]
    public void Batched_decode_equals_one_sequence_at_a_time()
    {
        using var cpu = ModelLoader.Load(RepoPaths.ReferenceModel("llama"), new LoadOptions { Threads = 2 });
        using var gpu = IlgpuModel.FromCpuModel(cpu, new IlgpuOptions { Device = IlgpuDeviceKind.CpuSingleLane });
        var vocab = cpu.Config.VocabSize;
        int[][] prompts = [[1, 5, 9], [1, 300, 2, 4, 8], [1, 77]];
        var caches = prompts.Select(p => gpu.CreateCache(16)).ToArray();
        var singles = prompts.Select(p => gpu.CreateCache(16)).ToArray();
        var logits = new float[3 * vocab];
        for (var i = 0; i < 3; i++)
        {
            gpu.Forward(caches[i], prompts[i], new float[vocab]);
            gpu.Forward(singles[i], prompts[i], new float[vocab]);
        }

        int[] next = [11, 12, 13];
        gpu.ForwardBatch(caches, next, logits);
        var choices = new int[3];
        gpu.DecodeGreedy(Fresh(gpu, prompts), next, choices);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(ArgMax(logits.AsSpan(i * vocab, vocab)), choices[i]);
        }

        for (var i = 0; i < 3; i++)
        {
            var one = new float[vocab];
            gpu.Forward(singles[i], [next[i]], one);
            Assert.InRange(Naive.NormalizedError(logits.AsSpan(i * vocab, vocab), one), 0, 1e-5);
            Assert.Equal(caches[i].Length, singles[i].Length);
        }
    }

    [Fact]
    public void Forward_greedy_gives_the_argmax_of_every_position()
    {
        using var cpu = ModelLoader.Load(RepoPaths.ReferenceModel("llama"), new LoadOptions { Threads = 2 });
        using var gpu = IlgpuModel.FromCpuModel(cpu, new IlgpuOptions { Device = IlgpuDeviceKind.CpuSingleLane });
        var vocab = cpu.Config.VocabSize;
        int[] prompt = [1, 200, 201, 202, 203, 204, 205];
        var logits = new float[prompt.Length * vocab];
        var a = gpu.CreateCache(16);
        var b = gpu.CreateCache(16);
        gpu.Forward(a, prompt, logits, allPositions: true);
        var next = new int[prompt.Length];
        gpu.ForwardGreedy(b, prompt, next);
        for (var t = 0; t < prompt.Length; t++)
        {
            Assert.Equal(ArgMax(logits.AsSpan(t * vocab, vocab)), next[t]);
        }

        Assert.Equal(prompt.Length, b.Length);
    }

    [Fact]
    public void Kv_pool_grows_and_reuses_space_without_losing_a_sequence()
    {
        using var cpu = ModelLoader.Load(RepoPaths.ReferenceModel("llama"), new LoadOptions { Threads = 2 });
        using var gpu = IlgpuModel.FromCpuModel(cpu, new IlgpuOptions { Device = IlgpuDeviceKind.CpuSingleLane });
        var vocab = cpu.Config.VocabSize;
        int[] prompt = [1, 10, 20, 30];
        var kept = gpu.CreateCache(64);
        gpu.Forward(kept, prompt, new float[vocab]);
        for (var i = 0; i < 3; i++)
        {
            // Each is larger than the pool's first size: the pool grows (copying the kept sequence) or reuses what was freed.
            var big = gpu.CreateCache(2048);
            gpu.Forward(big, [1, 2, 3], new float[vocab]);
            big.ReleaseStorage();
        }

        var a = new float[vocab];
        var b = new float[vocab];
        gpu.Forward(kept, [40], a);
        var fresh = gpu.CreateCache(64);
        gpu.Forward(fresh, [.. prompt, 40], b);
        Assert.InRange(Naive.NormalizedError(a, b), 0, 1e-5);
    }

    [Fact]
    public async Task Engine_generates_the_cpu_engines_greedy_text_on_the_ilgpu_backend()
    {
        var dir = RepoPaths.ReferenceModel("llama");
        var tokenizer = Tokenizer.FromFile(Path.Combine(dir, "tokenizer.json"));
        // int8 on both sides: the same weights (the accelerator would otherwise round the f32 checkpoint to f16).
        using var cpu = ModelLoader.Load(dir, new LoadOptions { Threads = 2 });
        using var cpuEngine = new InferenceEngine(ModelLoader.Load(dir, new LoadOptions { Threads = 2, Weights = WeightFormat.Int8 }), tokenizer,
            new EngineOptions(), ownsModel: true);
        using var gpuEngine = new InferenceEngine(
            IlgpuModel.FromCpuModel(cpu, new IlgpuOptions { Device = IlgpuDeviceKind.CpuSingleLane, Weights = IlgpuWeightFormat.Int8 }), tokenizer,
            new EngineOptions(), ownsModel: true);
        var prompt = tokenizer.Encode("Once upon a time", addSpecialTokens: true).ToArray();
        Assert.NotEmpty(prompt);
        var options = new SamplingOptions { Temperature = 0, MaxTokens = 6 };
        var expected = await Texts(cpuEngine.GenerateAsync(prompt, options, TestContext.Current.CancellationToken));
        Assert.Equal(expected, await Texts(gpuEngine.GenerateAsync(prompt, options, TestContext.Current.CancellationToken)));
        Assert.Equal(expected, await Texts(gpuEngine.GenerateAsync(prompt, options with { TopLogprobs = 2 }, TestContext.Current.CancellationToken)));
        // Greedy without log-probabilities: the argmax on the device (IGreedyDecoding), the same text.
        Assert.Equal(expected, await Texts(gpuEngine.GenerateAsync(prompt, options with { Logprobs = false }, TestContext.Current.CancellationToken)));
    }

    [Fact]
    public void A_cache_of_another_backend_is_refused()
    {
        using var cpu = ModelLoader.Load(RepoPaths.ReferenceModel("llama"), new LoadOptions { Threads = 2 });
        using var gpu = IlgpuModel.FromCpuModel(cpu, new IlgpuOptions { Device = IlgpuDeviceKind.CpuSingleLane });
        var foreign = cpu.CreateCache(8);
        Assert.Throws<ArgumentException>(() => gpu.Forward(foreign, [1], new float[cpu.Config.VocabSize]));
        var full = gpu.CreateCache(2);
        Assert.Throws<InvalidOperationException>(() => gpu.Forward(full, [1, 2, 3], new float[cpu.Config.VocabSize]));
        Assert.StartsWith("ilgpu-cpu", gpu.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenCL_accelerator_is_reported_with_the_reason_when_absent()
    {
        // A fact, not a promise: where no OpenCL driver is installed (CI), the probe says so instead of throwing.
        var available = IlgpuDevice.Probe(IlgpuDeviceKind.OpenCL, out var reason);
        Assert.False(string.IsNullOrWhiteSpace(reason));
        if (!available)
        {
            Assert.Contains("OpenCL", reason, StringComparison.Ordinal);
        }
    }

    private static KvCache[] Fresh(IlgpuModel gpu, int[][] prompts)
    {
        var caches = new KvCache[prompts.Length];
        for (var i = 0; i < prompts.Length; i++)
        {
            caches[i] = gpu.CreateCache(16);
            gpu.Forward(caches[i], prompts[i], new float[gpu.Config.VocabSize]);
        }

        return caches;
    }

    private static double PrefillError(IModelBackend expected, IModelBackend actual, int[] prompt)
    {
        var vocab = expected.Config.VocabSize;
        var a = new float[prompt.Length * vocab];
        var b = new float[prompt.Length * vocab];
        expected.Forward(expected.CreateCache(prompt.Length + 1), prompt, a, allPositions: true);
        var cache = actual.CreateCache(prompt.Length + 1);
        actual.Forward(cache, prompt, b, allPositions: true);
        cache.ReleaseStorage();
        return Naive.NormalizedError(b, a);
    }

    private static List<int> GreedyOnLogits(IModelBackend model, int[] prompt, int count)
    {
        var vocab = model.Config.VocabSize;
        var logits = new float[vocab];
        var cache = model.CreateCache(prompt.Length + count + 1);
        model.Forward(cache, prompt, logits);
        var result = new List<int>();
        for (var i = 0; i < count; i++)
        {
            var next = ArgMax(logits);
            result.Add(next);
            model.Forward(cache, [next], logits);
        }

        cache.ReleaseStorage();
        return result;
    }

    private static List<int> GreedyOnDevice(IlgpuModel model, int[] prompt, int count)
    {
        var cache = model.CreateCache(prompt.Length + count + 1);
        var next = new int[prompt.Length];
        model.ForwardGreedy(cache, prompt, next);
        var token = next[^1];
        var result = new List<int>();
        for (var i = 0; i < count; i++)
        {
            result.Add(token);
            token = model.DecodeGreedy(cache, token);
        }

        cache.ReleaseStorage();
        return result;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    private static async Task<string> Texts(IAsyncEnumerable<GeneratedToken> tokens)
    {
        var text = new System.Text.StringBuilder();
        await foreach (var t in tokens)
        {
            text.Append(t.Text);
        }

        return text.ToString();
    }
}
