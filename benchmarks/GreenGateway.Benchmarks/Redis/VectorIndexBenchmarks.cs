using BenchmarkDotNet.Attributes;
using Cloud.Unum.USearch;
using GreenGateway.Core.Cache;

namespace GreenGateway.Benchmarks.Redis;

/// <summary>
/// The Redis 7 cache's client-side search over a 10,000-entry partition of MiniLM-sized (384) unit vectors: the brute
/// force the gateway runs (baseline) against USearch's HNSW index (Cloud.Unum.USearch 2.26.6, cosine, f32,
/// connectivity 16, expansion 128 on add and 64 on search: its defaults' order of magnitude). The queries are
/// stored vectors with noise (a paraphrase's neighbourhood), so recall is the share whose nearest stored row both
/// agree on; the setup prints it with the index's build time.
/// </summary>
[MemoryDiagnoser]
public class VectorIndexBenchmarks
{
    private const int Rows = 10_000;
    private const int Dimensions = 384;
    private float[] _rows = [];
    private float[][] _queries = [];
    private USearchIndex? _index;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        _rows = new float[Rows * Dimensions];
        for (var i = 0; i < _rows.Length; i++)
        {
            _rows[i] = (float)((random.NextDouble() * 2) - 1);
        }

        for (var r = 0; r < Rows; r++)
        {
            VectorMath.Normalize(_rows.AsSpan(r * Dimensions, Dimensions));
        }

        _queries = new float[256][];
        for (var q = 0; q < _queries.Length; q++)
        {
            var row = random.Next(Rows);
            var query = _rows.AsSpan(row * Dimensions, Dimensions).ToArray();
            for (var d = 0; d < Dimensions; d++)
            {
                query[d] += (float)((random.NextDouble() - 0.5) * 0.05);
            }

            VectorMath.Normalize(query);
            _queries[q] = query;
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        _index = new USearchIndex(MetricKind.Cos, ScalarKind.Float32, Dimensions, 16, 128, 64, false);
        for (var r = 0; r < Rows; r++)
        {
            _index.Add((ulong)r, _rows.AsSpan(r * Dimensions, Dimensions).ToArray());
        }

        var built = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var agree = 0;
        foreach (var query in _queries)
        {
            var exact = VectorMath.Nearest(query, _rows, Rows).Index;
            _index.Search(query, 1, out var keys, out _);
            agree += keys.Length > 0 && (int)keys[0] == exact ? 1 : 0;
        }

        Console.WriteLine($"// USearch: {Rows} rows added in {built.TotalMilliseconds:F0} ms; nearest row agrees with brute force for {agree}/{_queries.Length} queries");
    }

    [GlobalCleanup]
    public void Cleanup() => _index?.Dispose();

    [Benchmark(Baseline = true)]
    public int BruteForce() => VectorMath.Above(Next(), _rows, Rows, 0.8, 8).Count;

    [Benchmark]
    public int Usearch()
    {
        _index!.Search(Next(), 8, out var keys, out _);
        return keys.Length;
    }

    private float[] Next() => _queries[_next++ & 255];
}
