using BenchmarkDotNet.Attributes;
using GreenGateway.Core.Cache;

namespace GreenGateway.Benchmarks.Redis;

/// <summary>The gateway-side cost of a cache lookup: embedding a prompt and brute-forcing a partition of 1,000 entries.</summary>
[MemoryDiagnoser]
public class SemanticCacheBenchmarks
{
    private readonly HashedNGramEmbedder _embedder = new();
    private float[] _query = [];
    private float[] _rows = [];

    [GlobalSetup]
    public void Setup()
    {
        _query = _embedder.Embed("How can I reset my password on the mobile app?");
        var random = new Random(1);
        _rows = new float[1000 * _embedder.Dimensions];
        for (var i = 0; i < _rows.Length; i++)
        {
            _rows[i] = (float)((random.NextDouble() * 2) - 1);
        }
    }

    [Benchmark]
    public float[] EmbedPrompt() => _embedder.Embed("How do I reset my password on the mobile app?");

    [Benchmark]
    public int NearestOf1000() => VectorMath.Nearest(_query, _rows, 1000).Index;
}
