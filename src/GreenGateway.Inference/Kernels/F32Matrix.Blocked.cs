using System.Runtime.Intrinsics;

namespace GreenGateway.Inference.Kernels;

internal sealed unsafe partial class F32Matrix
{
    /// <summary>
    /// y for 4 weight rows and 4 activation rows at once: each weight and activation vector loaded is used four
    /// times, 16 accumulators in registers (2 FMAs a load instead of the dot product's 1 FMA for 2 loads).
    /// </summary>
    private static void Block4x4(float* w, float* x, int cols, float* y, int ldy)
    {
        float* w0 = w, w1 = w + cols, w2 = w + 2 * cols, w3 = w + 3 * cols;
        float* x0 = x, x1 = x + cols, x2 = x + 2 * cols, x3 = x + 3 * cols;
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector256<float> a30 = default, a31 = default, a32 = default, a33 = default;
        var c = 0;
        for (; c <= cols - 8; c += 8)
        {
            var v0 = Vector256.Load(x0 + c);
            var v1 = Vector256.Load(x1 + c);
            var v2 = Vector256.Load(x2 + c);
            var v3 = Vector256.Load(x3 + c);
            var r = Vector256.Load(w0 + c);
            a00 = Vector256.FusedMultiplyAdd(r, v0, a00);
            a01 = Vector256.FusedMultiplyAdd(r, v1, a01);
            a02 = Vector256.FusedMultiplyAdd(r, v2, a02);
            a03 = Vector256.FusedMultiplyAdd(r, v3, a03);
            r = Vector256.Load(w1 + c);
            a10 = Vector256.FusedMultiplyAdd(r, v0, a10);
            a11 = Vector256.FusedMultiplyAdd(r, v1, a11);
            a12 = Vector256.FusedMultiplyAdd(r, v2, a12);
            a13 = Vector256.FusedMultiplyAdd(r, v3, a13);
            r = Vector256.Load(w2 + c);
            a20 = Vector256.FusedMultiplyAdd(r, v0, a20);
            a21 = Vector256.FusedMultiplyAdd(r, v1, a21);
            a22 = Vector256.FusedMultiplyAdd(r, v2, a22);
            a23 = Vector256.FusedMultiplyAdd(r, v3, a23);
            r = Vector256.Load(w3 + c);
            a30 = Vector256.FusedMultiplyAdd(r, v0, a30);
            a31 = Vector256.FusedMultiplyAdd(r, v1, a31);
            a32 = Vector256.FusedMultiplyAdd(r, v2, a32);
            a33 = Vector256.FusedMultiplyAdd(r, v3, a33);
        }

        Store(y, 0, 0, ldy, a00, w0, x0, c, cols);
        Store(y, 0, 1, ldy, a01, w0, x1, c, cols);
        Store(y, 0, 2, ldy, a02, w0, x2, c, cols);
        Store(y, 0, 3, ldy, a03, w0, x3, c, cols);
        Store(y, 1, 0, ldy, a10, w1, x0, c, cols);
        Store(y, 1, 1, ldy, a11, w1, x1, c, cols);
        Store(y, 1, 2, ldy, a12, w1, x2, c, cols);
        Store(y, 1, 3, ldy, a13, w1, x3, c, cols);
        Store(y, 2, 0, ldy, a20, w2, x0, c, cols);
        Store(y, 2, 1, ldy, a21, w2, x1, c, cols);
        Store(y, 2, 2, ldy, a22, w2, x2, c, cols);
        Store(y, 2, 3, ldy, a23, w2, x3, c, cols);
        Store(y, 3, 0, ldy, a30, w3, x0, c, cols);
        Store(y, 3, 1, ldy, a31, w3, x1, c, cols);
        Store(y, 3, 2, ldy, a32, w3, x2, c, cols);
        Store(y, 3, 3, ldy, a33, w3, x3, c, cols);
    }

    /// <summary>Reduces one accumulator, adds the scalar tail of the columns, and writes y[t, r].</summary>
    private static void Store(float* y, int r, int t, int ldy, Vector256<float> acc, float* w, float* x, int from, int cols)
    {
        var sum = Vector256.Sum(acc);
        for (var c = from; c < cols; c++)
        {
            sum += w[c] * x[c];
        }

        y[(long)t * ldy + r] = sum;
    }
}
