using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GreenGateway.Inference.Kernels;

/// <summary>
/// Weight-only int8: each row is split into groups of 32 signed bytes with one f32 scale a group, w = q * scale.
/// The load option quantizes f32 weights this way (scale = max|w| / 127, q = round(w / scale), the rule of
/// ggml's quantize_row_q8_0_ref); GGUF Q8_0 blocks are the same up to their f16 scale, so they load here too.
/// Products widen the bytes to f32 inside the kernel and keep activations in f32.
/// </summary>
internal sealed unsafe partial class Int8Matrix : WeightMatrix
{
    public const int Group = 32;

    private readonly NativeBuffer<sbyte> _q;
    private readonly NativeBuffer<float> _scales;

    public Int8Matrix(int rows, int cols)
        : base(rows, cols)
    {
        if (cols % Group != 0)
        {
            throw new ArgumentException($"int8 weights need a column count divisible by {Group}, not {cols}.", nameof(cols));
        }

        _q = new NativeBuffer<sbyte>((long)rows * cols);
        _scales = new NativeBuffer<float>((long)rows * (cols / Group));
    }

    public override WeightFormat Format => WeightFormat.Int8;

    public override long ByteSize => _q.Length + _scales.Length * sizeof(float);

    internal sbyte* Quants => _q.Pointer;

    internal float* Scales => _scales.Pointer;

    /// <summary>Quantizes row-major f32 weights.</summary>
    public static Int8Matrix Quantize(ReadOnlySpan<float> weights, int rows, int cols)
    {
        var m = new Int8Matrix(rows, cols);
        var groups = (long)rows * cols / Group;
        for (long g = 0; g < groups; g++)
        {
            var block = weights.Slice((int)(g * Group), Group);
            var amax = TensorPrimitives.MaxMagnitude(block);
            var scale = Math.Abs(amax) / 127f;
            var inverse = scale > 0 ? 1f / scale : 0f;
            m.Scales[g] = scale;
            for (var i = 0; i < Group; i++)
            {
                m.Quants[g * Group + i] = (sbyte)Math.Round(block[i] * inverse, MidpointRounding.AwayFromZero);
            }
        }

        return m;
    }

    public override void ReadRow(int row, Span<float> destination)
    {
        var q = Quants + (long)row * Cols;
        var s = Scales + (long)row * (Cols / Group);
        fixed (float* d = destination)
        {
            for (var g = 0; g < Cols / Group; g++)
            {
                var qg = q + g * Group;
                var dg = d + g * Group;
                if (Avx2.IsSupported)
                {
                    var scale = Vector256.Create(s[g]);
                    for (var i = 0; i < Group; i += 8)
                    {
                        Avx.Store(dg + i, Avx.Multiply(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(qg + i)), scale));
                    }

                    continue;
                }

                for (var i = 0; i < Group; i++)
                {
                    dg[i] = qg[i] * s[g];
                }
            }
        }
    }

    public override void Multiply(float* x, int n, float* y, int ldy, int rowStart, int rowEnd)
    {
        var cols = Cols;
        var groups = cols / Group;
        if (n == 1)
        {
            for (var r = rowStart; r < rowEnd; r++)
            {
                y[r] = DotRow(Quants + (long)r * cols, Scales + (long)r * groups, x, groups);
            }

            return;
        }

        MultiplyWidened(x, n, y, ldy, rowStart, rowEnd);
    }

    public override void Dispose()
    {
        _q.Dispose();
        _scales.Dispose();
    }

    /// <summary>Products of one group of 32 int8 weights with 32 activations, as 16 lanes to be summed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Group512(sbyte* q, float* x)
    {
        var sum = Avx512F.Multiply(Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Sse2.LoadVector128(q))), Avx512F.LoadVector512(x));
        return Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Sse2.LoadVector128(q + 16))), Avx512F.LoadVector512(x + 16), sum);
    }

    /// <summary>Whether products use 512-bit vectors (16 int8 widened a step).</summary>
    internal static readonly bool UseVector512 = Avx512F.IsSupported;

    /// <summary>dot(q * s, x) over <paramref name="groups"/> groups of 32.</summary>
    internal static float DotRow(sbyte* q, float* s, float* x, int groups) => DotRow(q, s, x, groups, UseVector512);

    /// <summary>dot(q * s, x) with the 512-bit path chosen by <paramref name="wide"/> (tests check both paths).</summary>
    internal static float DotRow(sbyte* q, float* s, float* x, int groups, bool wide)
    {
        if (wide && Avx512F.IsSupported)
        {
            // Two accumulators (even and odd groups) so that consecutive groups do not wait on one FMA chain.
            var even = Vector512<float>.Zero;
            var odd = Vector512<float>.Zero;
            var g = 0;
            for (; g + 1 < groups; g += 2)
            {
                even = Avx512F.FusedMultiplyAdd(Group512(q + g * Group, x + g * Group), Vector512.Create(s[g]), even);
                odd = Avx512F.FusedMultiplyAdd(Group512(q + (g + 1) * Group, x + (g + 1) * Group), Vector512.Create(s[g + 1]), odd);
            }

            if (g < groups)
            {
                even = Avx512F.FusedMultiplyAdd(Group512(q + g * Group, x + g * Group), Vector512.Create(s[g]), even);
            }

            return Vector512.Sum(Avx512F.Add(even, odd));
        }

        if (Avx2.IsSupported && Fma.IsSupported)
        {
            var acc = Vector256<float>.Zero;
            for (var g = 0; g < groups; g++)
            {
                var qg = q + g * Group;
                var xg = x + g * Group;
                var sum = Avx.Multiply(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(qg)), Avx.LoadVector256(xg));
                sum = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(qg + 8)), Avx.LoadVector256(xg + 8), sum);
                sum = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(qg + 16)), Avx.LoadVector256(xg + 16), sum);
                sum = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(qg + 24)), Avx.LoadVector256(xg + 24), sum);
                acc = Fma.MultiplyAdd(sum, Vector256.Create(s[g]), acc);
            }

            return Vector256.Sum(acc);
        }

        var total = 0f;
        for (var g = 0; g < groups; g++)
        {
            var sum = 0f;
            for (var i = 0; i < Group; i++)
            {
                sum += q[g * Group + i] * x[g * Group + i];
            }

            total += sum * s[g];
        }

        return total;
    }
}
