using BenchmarkDotNet.Attributes;
using System.Numerics.Tensors;

namespace GreenGateway.Benchmarks.Inference;

/// <summary>
/// The memory-bandwidth floor for decode: copying and summing a 256 MiB buffer, far larger than the caches.
/// Copy bandwidth counts bytes read plus bytes written (the STREAM convention); a decode step can go no faster
/// than (weight bytes per token) / bandwidth.
/// </summary>
[MinColumn]
[WarmupCount(2)]
[IterationCount(5)]
public class MemoryBandwidthBenchmarks
{
    private const int Bytes = 256 << 20;

    private float[] _source = [];
    private float[] _destination = [];

    [GlobalSetup]
    public void Setup()
    {
        _source = new float[Bytes / sizeof(float)];
        _destination = new float[Bytes / sizeof(float)];
        Array.Fill(_source, 1f);
    }

    /// <summary>256 MiB read and 256 MiB written: bandwidth = 512 MiB / Mean.</summary>
    [Benchmark]
    public void Copy256MiB() => _source.AsSpan().CopyTo(_destination);

    /// <summary>256 MiB read with SIMD: bandwidth = 256 MiB / Mean.</summary>
    [Benchmark]
    public float Sum256MiB() => TensorPrimitives.Sum(_source);
}
