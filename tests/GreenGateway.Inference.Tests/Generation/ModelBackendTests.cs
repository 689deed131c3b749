using GreenGateway.Inference.Generation;
using GreenGateway.Inference.Models;
using GreenGateway.Inference.Tests.Models;
using GreenGateway.Inference.Tokenization;

namespace GreenGateway.Inference.Tests.Generation;

/// <summary>The engine runs on any <see cref="IModelBackend"/>; caches held in a backend's own storage are freed with their lease.</summary>
public sealed class ModelBackendTests
{
    [Fact]
    public async Task Engine_OnAnotherBackend_GivesTheReferenceContinuation_AndFreesItsCaches()
    {
        using var cpu = ModelLoader.Load(ReferenceData.ModelPath("llama"), new LoadOptions { Threads = 2 });
        var backend = new StorageBackend(cpu);
        using var engine = new InferenceEngine(backend, Tokenizer.FromFile(Path.Combine(ReferenceData.ModelPath("llama"), "tokenizer.json")));
        var prompt = ReferenceModelTests.PromptIds("llama", 1);
        var expected = ReferenceData.Ints(ReferenceData.Root.GetProperty("models").GetProperty("llama").GetProperty("greedy")[1]);

        var tokens = await EngineFactory.Collect(engine.GenerateAsync(prompt,
            new SamplingOptions { Temperature = 0, MaxTokens = 32, IgnoreEos = true }, TestContext.Current.CancellationToken));

        Assert.Equal(expected, tokens.Select(static t => t.TokenId));
        Assert.Same(backend, engine.Model);
        Assert.True(backend.Forwards > 0);
        Assert.Equal(1, backend.Storage.Created);
        Assert.Equal(1, backend.Storage.Released);
        Assert.Equal(0, engine.KvCacheBytesInUse);
    }

    [Fact]
    public void CpuModel_GivenACacheHeldByAnotherBackend_RefusesIt()
    {
        using var cpu = ModelLoader.Load(ReferenceData.ModelPath("llama"), new LoadOptions { Threads = 1 });
        var foreign = new KvCache(cpu.Config, 8, new CountingStorage());
        var e = Assert.Throws<ArgumentException>(() => cpu.Forward(foreign, [1], new float[cpu.Config.VocabSize]));
        Assert.Contains("another model", e.Message, StringComparison.Ordinal);
        Assert.Equal(KvCache.BytesFor(cpu.Config, 8), foreign.ByteSize);
        Assert.Equal("cpu", cpu.Name);
    }

    private sealed class CountingStorage : IDisposable
    {
        public int Created { get; set; }

        public int Released { get; private set; }

        public void Dispose() => Released++;
    }

    /// <summary>
    /// A backend whose caches carry storage of their own (as the CUDA backend's do) and that computes with the CPU
    /// model on a shadow cache, so its results are the reference's.
    /// </summary>
    private sealed class StorageBackend(TransformerModel cpu) : IModelBackend
    {
        private readonly Dictionary<KvCache, KvCache> _shadows = [];

        public CountingStorage Storage { get; } = new();

        public int Forwards { get; private set; }

        public string Name => "test";

        public ModelConfig Config => cpu.Config;

        public long WeightBytesPerToken => cpu.WeightBytesPerToken;

        public KvCache CreateCache(int capacity)
        {
            Storage.Created++;
            var cache = new KvCache(cpu.Config, capacity, Storage);
            _shadows[cache] = cpu.CreateCache(capacity);
            return cache;
        }

        public void Forward(KvCache cache, ReadOnlySpan<int> tokens, Span<float> logits, bool allPositions = false)
        {
            Forwards++;
            var shadow = _shadows[cache];
            shadow.Truncate(cache.Length);
            cpu.Forward(shadow, tokens, logits, allPositions);
            cache.Append(tokens);
        }

        public void ForwardBatch(IReadOnlyList<KvCache> caches, ReadOnlySpan<int> tokens, Span<float> logits)
        {
            for (var i = 0; i < caches.Count; i++)
            {
                Forward(caches[i], tokens.Slice(i, 1), logits.Slice(i * Config.VocabSize, Config.VocabSize));
            }
        }

        public void Dispose()
        {
        }
    }
}
