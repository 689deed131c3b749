using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GreenGateway.Inference.Kernels;

/// <summary>
/// GGML Q4_0 weights computed in 4-bit form: groups of 32 along a row, 16 bytes a group whose low nibbles are
/// elements 0..15 and high nibbles elements 16..31, each value (nibble - 8) * scale (ggml-quants.c
/// dequantize_row_q4_0). The f16 scales of the file are widened to f32 at load.
/// </summary>
internal sealed unsafe class Q4Matrix : WeightMatrix
{
    public const int Group = 32;

    private readonly NativeBuffer<byte> _packed;
    private readonly NativeBuffer<float> _scales;

    public Q4Matrix(int rows, int cols)
        : base(rows, cols)
    {
        if (cols % Group != 0)
        {
            throw new ArgumentException($"Q4_0 weights need a column count divisible by {Group}, not {cols}.", nameof(cols));
        }

        _packed = new NativeBuffer<byte>((long)rows * cols / 2);
        _scales = new NativeBuffer<float>((long)rows * (cols / Group));
    }

    public override WeightFormat Format => WeightFormat.Q4_0;

    public override long ByteSize => _packed.Length + _scales.Length * sizeof(float);

    internal byte* Packed => _packed.Pointer;

    internal float* Scales => _scales.Pointer;

    public override void ReadRow(int row, Span<float> destination)
    {
        var groups = Cols / Group;
        var mask = Vector128.Create((byte)0x0F);
        var eight = Vector256.Create(8);
        fixed (float* d = destination)
        {
            for (var g = 0; g < groups; g++)
            {
                var p = Packed + ((long)row * groups + g) * (Group / 2);
                var s = Scales[(long)row * groups + g];
                var dg = d + g * Group;
                if (Avx2.IsSupported)
                {
                    var v = Sse2.LoadVector128(p);
                    var lo = Sse2.And(v, mask);
                    var hi = Sse2.And(Sse2.ShiftRightLogical(v.AsUInt16(), 4).AsByte(), mask);
                    var scale = Vector256.Create(s);
                    Avx.Store(dg, Avx.Multiply(Widen(lo, eight), scale));
                    Avx.Store(dg + 8, Avx.Multiply(Widen(Sse2.ShiftRightLogical128BitLane(lo, 8), eight), scale));
                    Avx.Store(dg + 16, Avx.Multiply(Widen(hi, eight), scale));
                    Avx.Store(dg + 24, Avx.Multiply(Widen(Sse2.ShiftRightLogical128BitLane(hi, 8), eight), scale));
                    continue;
                }

                for (var i = 0; i < Group / 2; i++)
                {
                    dg[i] = ((p[i] & 0x0F) - 8) * s;
                    dg[i + Group / 2] = ((p[i] >> 4) - 8) * s;
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
                y[r] = DotRow(Packed + (long)r * groups * (Group / 2), Scales + (long)r * groups, x, groups);
            }

            return;
        }

        MultiplyWidened(x, n, y, ldy, rowStart, rowEnd);
    }

    public override void Dispose()
    {
        _packed.Dispose();
        _scales.Dispose();
    }

    internal static float DotRow(byte* p, float* s, float* x, int groups)
    {
        if (Avx2.IsSupported && Fma.IsSupported)
        {
            var acc = Vector256<float>.Zero;
            var mask = Vector128.Create((byte)0x0F);
            var eight = Vector256.Create(8);
            for (var g = 0; g < groups; g++)
            {
                var v = Sse2.LoadVector128(p + g * (Group / 2));
                var lo = Sse2.And(v, mask);
                var hi = Sse2.And(Sse2.ShiftRightLogical(v.AsUInt16(), 4).AsByte(), mask);
                var xg = x + g * Group;
                var sum = Avx.Multiply(Widen(lo, eight), Avx.LoadVector256(xg));
                sum = Fma.MultiplyAdd(Widen(Sse2.ShiftRightLogical128BitLane(lo, 8), eight), Avx.LoadVector256(xg + 8), sum);
                sum = Fma.MultiplyAdd(Widen(hi, eight), Avx.LoadVector256(xg + 16), sum);
                sum = Fma.MultiplyAdd(Widen(Sse2.ShiftRightLogical128BitLane(hi, 8), eight), Avx.LoadVector256(xg + 24), sum);
                acc = Fma.MultiplyAdd(sum, Vector256.Create(s[g]), acc);
            }

            return Vector256.Sum(acc);
        }

        var total = 0f;
        for (var g = 0; g < groups; g++)
        {
            var sum = 0f;
            for (var i = 0; i < Group / 2; i++)
            {
                var b = p[g * (Group / 2) + i];
                sum += ((b & 0x0F) - 8) * x[g * Group + i] + ((b >> 4) - 8) * x[g * Group + i + Group / 2];
            }

            total += sum * s[g];
        }

        return total;
    }

    /// <summary>The low 8 nibble values of <paramref name="v"/>, minus 8, as f32.</summary>
    private static Vector256<float> Widen(Vector128<byte> v, Vector256<int> eight) =>
        Avx.ConvertToVector256Single(Avx2.Subtract(Avx2.ConvertToVector256Int32(v), eight));
}
