using BenchmarkDotNet.Attributes;
using GreenGateway.Inference.Kernels;

namespace GreenGateway.Benchmarks.Inference;

/// <summary>One matrix-vector product of the medium model's MLP shape (2816 x 512) per storage format, one thread.</summary>
[MinColumn]
[WarmupCount(2)]
[IterationCount(5)]
public unsafe class MatVecBenchmarks
{
    private const int Rows = 2816;
    private const int Cols = 512;

    private WeightMatrix? _matrix;
    private float[] _x = [];
    private float[] _y = [];

    [Params(WeightFormat.F32, WeightFormat.Int8, WeightFormat.Q4_0)]
    public WeightFormat Format { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        var w = new float[Rows * Cols];
        for (var i = 0; i < w.Length; i++)
        {
            w[i] = (float)(rng.NextDouble() - 0.5);
        }

        _x = w.AsSpan(0, Cols).ToArray();
        _y = new float[Rows];
        _matrix = Format switch
        {
            WeightFormat.Int8 => Int8Matrix.Quantize(w, Rows, Cols),
            WeightFormat.Q4_0 => new Q4Matrix(Rows, Cols),
            _ => CreateF32(w),
        };
    }

    [GlobalCleanup]
    public void Cleanup() => _matrix?.Dispose();

    [Benchmark]
    public void MatVec()
    {
        fixed (float* x = _x, y = _y)
        {
            _matrix!.Multiply(x, 1, y, Rows, 0, Rows);
        }
    }

    private static F32Matrix CreateF32(float[] w)
    {
        var m = F32Matrix.Allocate(Rows, Cols, out var data);
        w.CopyTo(data);
        return m;
    }
}
