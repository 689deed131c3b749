using BenchmarkDotNet.Attributes;
using GreenGateway.Inference.Kernels;
using GreenGateway.Inference.Models;

namespace GreenGateway.Benchmarks.Inference;

/// <summary>
/// Decode throughput of the medium model when several sequences step together (what the engine's scheduler does
/// for concurrent generations). Mean is the time of one step of all sequences: tokens per second = Sequences / Mean.
/// </summary>
[MinColumn]
[WarmupCount(2)]
[IterationCount(5)]
public class BatchedDecodeBenchmarks
{
    private const int Steps = 16;
    private const int PromptPrefix = 8;

    private TransformerModel? _model;
    private KvCache[] _caches = [];
    private float[] _logits = [];
    private int[] _tokens = [];

    [Params(1, 4, 8)]
    public int Sequences { get; set; }

    [Params(WeightFormat.F32, WeightFormat.Int8)]
    public WeightFormat Weights { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = BenchmarkModels.Create("medium", Weights, threads: 2);
        _logits = new float[Sequences * _model.Config.VocabSize];
        _tokens = new int[Sequences];
        _caches = new KvCache[Sequences];
        for (var i = 0; i < Sequences; i++)
        {
            _caches[i] = _model.CreateCache(PromptPrefix + Steps + 1);
            var prompt = Enumerable.Range(0, PromptPrefix).Select(t => (t * 31 + i * 977) % _model.Config.VocabSize).ToArray();
            _model.Forward(_caches[i], prompt, _logits);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _model?.Dispose();

    [Benchmark(OperationsPerInvoke = Steps)]
    public void DecodeStep()
    {
        foreach (var cache in _caches)
        {
            cache.Truncate(PromptPrefix);
        }

        for (var step = 0; step < Steps; step++)
        {
            for (var i = 0; i < Sequences; i++)
            {
                _tokens[i] = (step * 131 + i * 17) % _model!.Config.VocabSize;
            }

            _model!.ForwardBatch(_caches, _tokens, _logits);
        }
    }
}
