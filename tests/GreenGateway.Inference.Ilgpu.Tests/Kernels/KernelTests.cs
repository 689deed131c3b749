using System.Runtime.InteropServices;
using GreenGateway.Inference.Ilgpu.Kernels;
using GreenGateway.Inference.Ilgpu.Runtime;
using ILGPU;
using ILGPU.Runtime;
using Half = System.Half;

namespace GreenGateway.Inference.Ilgpu.Tests.Kernels;

/// <summary>
/// Every kernel of <see cref="DecoderKernels"/> against a naive double-precision reference on random inputs (odd
/// sizes), with outputs poisoned with NaN before each launch so an unwritten element fails, on the CPU accelerator
/// which simulates warps of 4 threads (the kernels are written for any warp size; the accelerator that simulates NVIDIA's
/// warps of 32 in groups of 256 runs them too, but its barriers over 256 threads take minutes on two shared cores). The same checks as the CUDA
/// backend's (tests/GreenGateway.Inference.Cuda.Tests/Checks/KernelChecks.cs); bounds 1e-5, exact for gathers and argmax.
/// </summary>
public sealed class KernelTests
{
    private const double Bound = 1e-5;

    [Theory]
    [InlineData(IlgpuDeviceKind.Cpu, 1, 333, 200, false, DecoderKernels.Plain)]
    [InlineData(IlgpuDeviceKind.Cpu, 5, 97, 384, true, DecoderKernels.Plain)]
    [InlineData(IlgpuDeviceKind.Cpu, 1, 611, 192, false, DecoderKernels.Norm)]
    [InlineData(IlgpuDeviceKind.Cpu, 6, 211, 384, false, DecoderKernels.Norm)]
    [InlineData(IlgpuDeviceKind.Cpu, 1, 192, 512, true, DecoderKernels.SwiGlu)]
    [InlineData(IlgpuDeviceKind.Cpu, 7, 101, 1024, true, DecoderKernels.SwiGlu)]
    public void F16_products_match_the_reference(IlgpuDeviceKind kind, int n, int rows, int cols, bool accumulate, int mode) =>
        Assert.InRange(Product(kind, int8: false, n, rows, cols, accumulate, mode), 0, Bound);

    [Theory]
    [InlineData(IlgpuDeviceKind.Cpu, 1, 257, 256, false, DecoderKernels.Plain)]
    [InlineData(IlgpuDeviceKind.Cpu, 6, 65, 512, true, DecoderKernels.Plain)]
    [InlineData(IlgpuDeviceKind.Cpu, 3, 131, 384, false, DecoderKernels.Norm)]
    [InlineData(IlgpuDeviceKind.Cpu, 2, 97, 512, true, DecoderKernels.SwiGlu)]
    public void Int8_products_match_the_reference(IlgpuDeviceKind kind, int n, int rows, int cols, bool accumulate, int mode) =>
        Assert.InRange(Product(kind, int8: true, n, rows, cols, accumulate, mode), 0, Bound);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Embedding_gathers_rows_exactly(bool int8)
    {
        using var d = IlgpuDevice.Open(IlgpuDeviceKind.Cpu);
        var acc = d.Accelerator;
        var random = new Random(3);
        const int vocab = 50, dim = 96;
        var table = Naive.Random(random, vocab * dim);
        int[] tokens = [0, 49, 7, 7, 23];
        var rows = tokens.Select(t => new RowParam { Token = t }).ToArray();
        using var rowBuffer = Upload(acc, rows);
        using var x = Poisoned(acc, tokens.Length * dim);
        float[] expected;
        if (int8)
        {
            var (q, scales) = Quantize(table, vocab, dim);
            using var qb = Upload(acc, q);
            using var sb = Upload(acc, scales);
            acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<sbyte>, ArrayView<float>, ArrayView<RowParam>, ArrayView<float>, int>(DecoderKernels.EmbedI8)(
                tokens.Length * dim, qb.View, sb.View, rowBuffer.View, x.View, dim);
            expected = tokens.SelectMany(t => Enumerable.Range(0, dim).Select(c => q[t * dim + c] * scales[(t * dim + c) / 32])).ToArray();
        }
        else
        {
            var half = table.Select(v => (Half)v).ToArray();
            using var hb = Upload(acc, MemoryMarshal.Cast<Half, ushort>(half).ToArray());
            acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ushort>, ArrayView<RowParam>, ArrayView<float>, int>(DecoderKernels.EmbedF16)(
                tokens.Length * dim, hb.View, rowBuffer.View, x.View, dim);
            expected = tokens.SelectMany(t => Enumerable.Range(0, dim).Select(c => (float)half[t * dim + c])).ToArray();
        }

        Assert.Equal(expected, x.GetAsArray1D());
    }

    [Theory]
    [InlineData(IlgpuDeviceKind.Cpu, false, false)]
    [InlineData(IlgpuDeviceKind.Cpu, true, true)]
    [InlineData(IlgpuDeviceKind.Cpu, false, true)]
    public void Rope_rotates_q_and_k_and_stores_k_and_v(IlgpuDeviceKind kind, bool interleaved, bool bias)
    {
        using var d = IlgpuDevice.Open(kind);
        var acc = d.Accelerator;
        var random = new Random(5);
        const int heads = 4, kvHeads = 2, headDim = 32, layers = 3, layer = 1, capacity = 20;
        const int width = (heads + 2 * kvHeads) * headDim, kvDim = kvHeads * headDim;
        int[] positions = [0, 7, 19];
        var n = positions.Length;
        var qkv = Naive.Random(random, n * width);
        var biasValues = Naive.Random(random, width, 0.1f);
        var inv = Enumerable.Range(0, headDim / 2).Select(i => (float)(1.0 / Math.Pow(10000, 2.0 * i / headDim))).ToArray();
        var cosSin = new float[n * headDim];
        for (var t = 0; t < n; t++)
        {
            for (var i = 0; i < headDim / 2; i++)
            {
                var angle = (float)positions[t] * inv[i];
                cosSin[t * headDim + i] = (float)Math.Cos(angle);
                cosSin[t * headDim + headDim / 2 + i] = (float)Math.Sin(angle);
            }
        }

        var pool = new float[2 * layers * capacity * kvDim + 64];
        var rows = positions.Select(p => new RowParam { Position = p, Capacity = capacity, KvOffset = 64 }).ToArray();
        using var qb = Upload(acc, qkv);
        using var rb = Upload(acc, rows);
        using var cb = Upload(acc, cosSin);
        using var bb = Upload(acc, biasValues);
        using var kb = Upload(acc, pool);
        var args = new LayerArgs { Layer = layer, Layers = layers, Heads = heads, KvHeads = kvHeads, HeadDim = headDim, Interleaved = interleaved ? 1 : 0, HasBias = bias ? 1 : 0 };
        acc.LoadStreamKernel<ArrayView<float>, ArrayView<RowParam>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LayerArgs>(DecoderKernels.RopeStore)(
            new KernelConfig(n, Group(acc)), qb.View, rb.View, cb.View, bb.View, kb.View, args);

        var expected = qkv.Select(v => (double)v).ToArray();
        var expectedPool = pool.Select(v => (double)v).ToArray();
        for (var t = 0; t < n; t++)
        {
            for (var i = 0; i < width; i++)
            {
                expected[t * width + i] += bias ? biasValues[i] : 0;
            }

            for (var h = 0; h < heads + kvHeads; h++)
            {
                for (var i = 0; i < headDim / 2; i++)
                {
                    var a = t * width + h * headDim + (interleaved ? 2 * i : i);
                    var b = t * width + h * headDim + (interleaved ? 2 * i + 1 : i + headDim / 2);
                    double c = cosSin[t * headDim + i], s = cosSin[t * headDim + headDim / 2 + i];
                    (expected[a], expected[b]) = (expected[a] * c - expected[b] * s, expected[b] * c + expected[a] * s);
                }
            }

            for (var i = 0; i < kvDim; i++)
            {
                var at = 64 + (layer * capacity + positions[t]) * kvDim + i;
                expectedPool[at] = expected[t * width + heads * headDim + i];
                expectedPool[at + layers * capacity * kvDim] = expected[t * width + (heads + kvHeads) * headDim + i];
            }
        }

        Assert.InRange(Naive.NormalizedError(qb.GetAsArray1D(), expected), 0, Bound);
        Assert.InRange(Naive.NormalizedError(kb.GetAsArray1D(), expectedPool), 0, Bound);
    }

    [Theory]
    [InlineData(IlgpuDeviceKind.Cpu, 32)]
    [InlineData(IlgpuDeviceKind.Cpu, 64)]
    public void Attention_matches_the_reference(IlgpuDeviceKind kind, int headDim)
    {
        using var d = IlgpuDevice.Open(kind);
        var acc = d.Accelerator;
        var random = new Random(11);
        const int heads = 6, kvHeads = 3, layers = 2, layer = 1, capacity = 120;
        var width = (heads + 2 * kvHeads) * headDim;
        var kvDim = kvHeads * headDim;
        int[] positions = [0, 1, 57, 119];
        var n = positions.Length;
        var qkv = Naive.Random(random, n * width);
        var pool = Naive.Random(random, 2 * layers * capacity * kvDim);
        var rows = positions.Select(p => new RowParam { Position = p, Capacity = capacity }).ToArray();
        var scale = 1f / MathF.Sqrt(headDim);
        using var qb = Upload(acc, qkv);
        using var rb = Upload(acc, rows);
        using var kb = Upload(acc, pool);
        using var scores = acc.Allocate1D<float>(n * heads * capacity);
        using var output = Poisoned(acc, n * heads * headDim);
        var args = new LayerArgs { Layer = layer, Layers = layers, Heads = heads, KvHeads = kvHeads, HeadDim = headDim, ScoreStride = capacity, Scale = scale };
        acc.LoadStreamKernel<ArrayView<float>, ArrayView<RowParam>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LayerArgs>(DecoderKernels.Attention)(
            new KernelConfig(n * heads, Group(acc)), qb.View, rb.View, kb.View, scores.View, output.View, args);

        var expected = new double[n * heads * headDim];
        for (var t = 0; t < n; t++)
        {
            for (var h = 0; h < heads; h++)
            {
                var kvh = h / (heads / kvHeads);
                var len = positions[t] + 1;
                var s = new double[len];
                for (var p = 0; p < len; p++)
                {
                    for (var i = 0; i < headDim; i++)
                    {
                        s[p] += (double)qkv[t * width + h * headDim + i] * pool[(layer * capacity + p) * kvDim + kvh * headDim + i];
                    }

                    s[p] *= scale;
                }

                var m = s.Max();
                var e = s.Select(v => Math.Exp(v - m)).ToArray();
                var sum = e.Sum();
                for (var i = 0; i < headDim; i++)
                {
                    double o = 0;
                    for (var p = 0; p < len; p++)
                    {
                        o += e[p] / sum * pool[layers * capacity * kvDim + (layer * capacity + p) * kvDim + kvh * headDim + i];
                    }

                    expected[(t * heads + h) * headDim + i] = o;
                }
            }
        }

        Assert.InRange(Naive.NormalizedError(output.GetAsArray1D(), expected), 0, Bound);
    }

    [Fact]
    public void Argmax_takes_the_first_of_equal_maxima()
    {
        using var d = IlgpuDevice.Open(IlgpuDeviceKind.Cpu);
        var acc = d.Accelerator;
        const int vocab = 6144;
        var logits = Naive.Random(new Random(2), 3 * vocab);
        logits[4000] = 5f;
        logits[4001] = 5f;
        logits[vocab + 17] = 3f;
        logits[vocab + 6000] = 3f;
        logits[2 * vocab + vocab - 1] = 9f;
        using var lb = Upload(acc, logits);
        using var choice = acc.Allocate1D<int>(3);
        acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int>(DecoderKernels.ArgMax)(new KernelConfig(3, Group(acc)), lb.View, choice.View, vocab);
        Assert.Equal([4000, 17, vocab - 1], choice.GetAsArray1D());
    }

    private static double Product(IlgpuDeviceKind kind, bool int8, int n, int rows, int cols, bool accumulate, int mode)
    {
        using var d = IlgpuDevice.Open(kind);
        var acc = d.Accelerator;
        var random = new Random(rows * 31 + cols);
        var w = Naive.Random(random, rows * cols);
        var xWidth = mode == DecoderKernels.SwiGlu ? 2 * cols : cols;
        var x = Naive.Random(random, n * xWidth, 2f);
        var normW = Naive.Random(random, cols);
        var y0 = Naive.Random(random, n * rows);
        const float eps = 1e-5f;

        // The reference uses the weights exactly as the accelerator holds them (f16, or int8 times its scale).
        var held = new double[w.Length];
        using var xb = Upload(acc, x);
        using var nb = Upload(acc, normW);
        using var yb = accumulate ? Upload(acc, y0) : Poisoned(acc, n * rows);
        var args = new ProductArgs { Rows = rows, Cols = cols, N = n, Ldy = rows, Accumulate = accumulate ? 1 : 0, Mode = mode, Eps = eps };
        var group = Group(acc);
        var config = new KernelConfig((rows + group / acc.WarpSize - 1) / (group / acc.WarpSize), group);
        if (int8)
        {
            var (q, scales) = Quantize(w, rows, cols);
            for (var i = 0; i < held.Length; i++)
            {
                held[i] = (double)q[i] * scales[i / 32];
            }

            using var qb = Upload(acc, MemoryMarshal.Cast<sbyte, ulong>(q).ToArray());
            using var sb = Upload(acc, scales);
            acc.LoadStreamKernel<ArrayView<ulong>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ProductArgs>(DecoderKernels.MatVecI8)(
                config, qb.View, sb.View, xb.View, nb.View, yb.View, args);
        }
        else
        {
            var half = w.Select(v => (Half)v).ToArray();
            for (var i = 0; i < held.Length; i++)
            {
                held[i] = (double)half[i];
            }

            using var wb = Upload(acc, MemoryMarshal.Cast<Half, ulong>(half).ToArray());
            acc.LoadStreamKernel<ArrayView<ulong>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ProductArgs>(DecoderKernels.MatVecF16)(
                config, wb.View, xb.View, nb.View, yb.View, args);
        }

        var expected = new double[n * rows];
        for (var t = 0; t < n; t++)
        {
            var input = new double[cols];
            double ss = 0;
            for (var c = 0; c < cols; c++)
            {
                ss += (double)x[t * xWidth + c] * x[t * xWidth + c];
            }

            var rs = 1 / Math.Sqrt(ss / cols + eps);
            for (var c = 0; c < cols; c++)
            {
                double v = x[t * xWidth + c];
                input[c] = mode switch
                {
                    DecoderKernels.Norm => v * rs * normW[c],
                    DecoderKernels.SwiGlu => v / (1 + Math.Exp(-v)) * x[t * xWidth + cols + c],
                    _ => v,
                };
            }

            for (var r = 0; r < rows; r++)
            {
                double sum = accumulate ? y0[t * rows + r] : 0;
                for (var c = 0; c < cols; c++)
                {
                    sum += held[r * cols + c] * input[c];
                }

                expected[t * rows + r] = sum;
            }
        }

        return Naive.NormalizedError(yb.GetAsArray1D(), expected);
    }

    private static int Group(Accelerator acc) => Math.Min(256, acc.MaxNumThreadsPerGroup) / acc.WarpSize * acc.WarpSize;

    private static (sbyte[] Q, float[] Scales) Quantize(float[] w, int rows, int cols)
    {
        var q = new sbyte[rows * cols];
        var scales = new float[rows * cols / 32];
        for (var g = 0; g < scales.Length; g++)
        {
            var amax = 0f;
            for (var i = 0; i < 32; i++)
            {
                amax = MathF.Max(amax, MathF.Abs(w[g * 32 + i]));
            }

            scales[g] = amax / 127f;
            for (var i = 0; i < 32; i++)
            {
                q[g * 32 + i] = (sbyte)Math.Round(w[g * 32 + i] / scales[g], MidpointRounding.AwayFromZero);
            }
        }

        return (q, scales);
    }

    private static MemoryBuffer1D<T, Stride1D.Dense> Upload<T>(Accelerator acc, T[] values)
        where T : unmanaged
    {
        var b = acc.Allocate1D<T>(values.Length);
        b.CopyFromCPU(values);
        return b;
    }

    private static MemoryBuffer1D<float, Stride1D.Dense> Poisoned(Accelerator acc, int count) =>
        Upload(acc, Enumerable.Repeat(float.NaN, count).ToArray());
}

/// <summary>Comparisons in double: the normalized error max|actual - expected| / max|expected| (NaN if anything is not finite).</summary>
internal static class Naive
{
    public static double NormalizedError(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        if (actual.Length != expected.Length)
        {
            return double.NaN;
        }

        double diff = 0, scale = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            if (!float.IsFinite(actual[i]))
            {
                return double.NaN;
            }

            diff = Math.Max(diff, Math.Abs(actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }

        return scale == 0 ? double.NaN : diff / scale;
    }

    public static double NormalizedError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        var e = new double[expected.Length];
        for (var i = 0; i < e.Length; i++)
        {
            e[i] = expected[i];
        }

        return NormalizedError(actual, e);
    }

    /// <summary>Uniform values in [-scale, scale).</summary>
    public static float[] Random(Random random, int count, float scale = 1f)
    {
        var v = new float[count];
        for (var i = 0; i < count; i++)
        {
            v[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        }

        return v;
    }
}
