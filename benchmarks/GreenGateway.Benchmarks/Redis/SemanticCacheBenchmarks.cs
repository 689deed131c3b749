using BenchmarkDotNet.Attributes;
using GreenGateway.Core.Cache;

namespace GreenGateway.Benchmarks.Redis;

/// <summary>The gateway-side cost of a cache lookup: embedding a prompt and brute-forcing a partition of 1,000 entries (and 10,000 of 384 dimensions).</summary>
[MemoryDiagnoser]
public class SemanticCacheBenchmarks
{
    private readonly HashedNGramEmbedder _embedder = new();
    private float[] _query = [];
    private float[] _rows = [];
    private float[] _query384 = [];
    private float[] _rows384 = [];

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

        _rows384 = new float[10_000 * 384];
        for (var i = 0; i < _rows384.Length; i++)
        {
            _rows384[i] = (float)((random.NextDouble() * 2) - 1);
        }

        // Unit rows, as the cache stores them, so that only near neighbours clear the threshold.
        for (var r = 0; r < 10_000; r++)
        {
            VectorMath.Normalize(_rows384.AsSpan(r * 384, 384));
        }

        _query384 = _rows384.AsSpan(0, 384).ToArray();
    }

    [Benchmark]
    public float[] EmbedPrompt() => _embedder.Embed("How do I reset my password on the mobile app?");

    [Benchmark]
    public int NearestOf1000() => VectorMath.Nearest(_query, _rows, 1000).Index;

    /// <summary>The client-side index's search (Redis 7) over a 10,000-entry partition of MiniLM-sized vectors.</summary>
    [Benchmark]
    public int CandidatesOf10000By384() => VectorMath.Above(_query384, _rows384, 10_000, 0.8, 8).Count;
}
