using BenchmarkDotNet.Attributes;
using GreenGateway.Inference.Kernels;
using GreenGateway.Inference.Models;

namespace GreenGateway.Benchmarks.Inference;

/// <summary>
/// Prefill and decode speed of the CPU transformer. Each benchmark reports time per token
/// (OperationsPerInvoke), so tokens per second = 1 s / Mean. Run with --filter '*TransformerBenchmarks*';
/// compare decode with <see cref="MemoryBandwidthBenchmarks"/> from the same run.
/// </summary>
[MemoryDiagnoser(false)]
[MinColumn]
[WarmupCount(2)]
[IterationCount(5)]
public class TransformerBenchmarks
{
    private const int PromptTokens = 64;
    private const int DecodeTokens = 32;
    private const int PromptPrefix = 8;

    private TransformerModel? _model;
    private KvCache? _cache;
    private float[] _logits = [];
    private int[] _prompt = [];

    [Params("small", "medium")]
    public string Model { get; set; } = "small";

    [Params(WeightFormat.F32, WeightFormat.Int8)]
    public WeightFormat Weights { get; set; }

    /// <summary>Kernel threads: 1 and 2, or the list in GG_BENCH_THREADS (e.g. "1,2,4,8" on a larger machine).</summary>
    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    public static IEnumerable<int> ThreadCounts =>
        (Environment.GetEnvironmentVariable("GG_BENCH_THREADS") ?? "1,2").Split(',').Select(int.Parse);

    [GlobalSetup]
    public void Setup()
    {
        _model = BenchmarkModels.Create(Model, Weights, Threads);
        _cache = _model.CreateCache(PromptTokens + DecodeTokens + 1);
        _logits = new float[PromptTokens * _model.Config.VocabSize];
        _prompt = Enumerable.Range(0, PromptTokens).Select(i => (i * 7919) % _model.Config.VocabSize).ToArray();
        Console.WriteLine($"// {Model} {Weights}: {_model.WeightBytesPerToken:N0} weight bytes read per decoded token");
    }

    [GlobalCleanup]
    public void Cleanup() => _model?.Dispose();

    /// <summary>A 64-token prompt in one forward pass (logits of the last position only).</summary>
    [Benchmark(OperationsPerInvoke = PromptTokens)]
    public void Prefill()
    {
        _cache!.Truncate(0);
        _model!.Forward(_cache, _prompt, _logits);
    }

    /// <summary>32 single-token steps after an 8-token prompt (prefilled once in setup; truncating keeps its keys and values).</summary>
    [Benchmark(OperationsPerInvoke = DecodeTokens)]
    public void Decode()
    {
        if (_cache!.Length < PromptPrefix)
        {
            _cache.Truncate(0);
            _model!.Forward(_cache, _prompt.AsSpan(0, PromptPrefix), _logits);
        }

        _cache.Truncate(PromptPrefix);
        Span<int> next = [0];
        for (var i = 0; i < DecodeTokens; i++)
        {
            next[0] = _prompt[i + PromptPrefix];
            _model!.Forward(_cache, next, _logits);
        }
    }
}
