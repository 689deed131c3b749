using BenchmarkDotNet.Attributes;
using System.Numerics.Tensors;

namespace GreenGateway.Benchmarks.Inference;

/// <summary>
/// The memory-bandwidth floor for decode: copying and summing a 256 MiB buffer, far larger than the caches,
/// split over as many threads as the transformer benchmarks use. Copy bandwidth counts bytes read plus bytes
/// written (the STREAM convention); a decode step can go no faster than (weight bytes per token) / bandwidth.
/// </summary>
[MinColumn]
[WarmupCount(2)]
[IterationCount(5)]
public class MemoryBandwidthBenchmarks
{
    private const int Bytes = 256 << 20;

    private float[] _source = [];
    private float[] _destination = [];

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    public static IEnumerable<int> ThreadCounts => TransformerBenchmarks.ThreadCounts;

    [GlobalSetup]
    public void Setup()
    {
        _source = new float[Bytes / sizeof(float)];
        _destination = new float[Bytes / sizeof(float)];
        Array.Fill(_source, 1f);
        Array.Fill(_destination, 0f);
    }

    /// <summary>256 MiB read and 256 MiB written: bandwidth = 512 MiB / Mean.</summary>
    [Benchmark]
    public void Copy256MiB() => Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, i =>
    {
        var (start, length) = Chunk(i);
        _source.AsSpan(start, length).CopyTo(_destination.AsSpan(start, length));
    });

    /// <summary>256 MiB read with SIMD: bandwidth = 256 MiB / Mean.</summary>
    [Benchmark]
    public float Sum256MiB()
    {
        var sums = new float[Threads];
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, i =>
        {
            var (start, length) = Chunk(i);
            sums[i] = TensorPrimitives.Sum(_source.AsSpan(start, length));
        });
        return sums.Sum();
    }

    private (int Start, int Length) Chunk(int i)
    {
        var per = _source.Length / Threads;
        return (i * per, i == Threads - 1 ? _source.Length - i * per : per);
    }
}
