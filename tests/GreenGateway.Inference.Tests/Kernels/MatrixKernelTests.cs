using GreenGateway.Inference.Kernels;

namespace GreenGateway.Inference.Tests.Kernels;

public sealed unsafe class MatrixKernelTests
{
    public static TheoryData<int, int, int> Shapes => new() { { 1, 64, 1 }, { 37, 67, 1 }, { 64, 256, 1 }, { 19, 131, 5 }, { 96, 512, 8 }, { 5, 8, 3 } };

    public static TheoryData<int, int, int> QuantShapes => new() { { 1, 32, 1 }, { 37, 96, 1 }, { 64, 512, 1 }, { 19, 160, 5 }, { 33, 1024, 7 } };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void F32Multiply_RandomInputs_MatchesNaiveProduct(int rows, int cols, int n)
    {
        var w = Naive.Random(rows * cols, 1);
        var x = Naive.Random(n * cols, 2);
        using var m = F32Matrix.Allocate(rows, cols, out var data);
        w.CopyTo(data);

        var y = Multiply(m, x, n);

        AssertClose(Naive.MatMul(w, rows, cols, x, n), y, 1e-5);
    }

    [Theory]
    [MemberData(nameof(QuantShapes))]
    public void Int8Multiply_RandomInputs_MatchesNaiveProductOfTheDequantizedWeights(int rows, int cols, int n)
    {
        var w = Naive.Random(rows * cols, 3);
        var x = Naive.Random(n * cols, 4);
        using var m = Int8Matrix.Quantize(w, rows, cols);
        var dequantized = new float[rows * cols];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                dequantized[r * cols + c] = m.Quants[(long)r * cols + c] * m.Scales[((long)r * cols + c) / 32];
            }
        }

        var y = Multiply(m, x, n);

        AssertClose(Naive.MatMul(dequantized, rows, cols, x, n), y, 1e-5);
        AssertClose(Naive.MatMul(w, rows, cols, x, n), y, 2e-2);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Int8MatVec_512And256BitPaths_MatchNaive(bool wide)
    {
        var w = Naive.Random(40 * 256, 11);
        var x = Naive.Random(256, 12);
        using var m = Int8Matrix.Quantize(w, 40, 256);
        var dequantized = new float[40 * 256];
        for (var r = 0; r < 40; r++)
        {
            m.ReadRow(r, dequantized.AsSpan(r * 256, 256));
        }

        var y = new float[40];
        fixed (float* px = x)
        {
            for (var r = 0; r < 40; r++)
            {
                y[r] = Int8Matrix.DotRow(m.Quants + r * 256, m.Scales + r * 8, px, 8, wide);
            }
        }

        AssertClose(Naive.MatMul(dequantized, 40, 256, x, 1), y, 1e-5);
    }

    [Fact]
    public void Int8Quantize_EveryWeight_IsWithinHalfAStepOfItsGroupScale()
    {
        var w = Naive.Random(8 * 128, 5, scale: 3f);
        using var m = Int8Matrix.Quantize(w, 8, 128);
        var row = new float[128];

        for (var r = 0; r < 8; r++)
        {
            m.ReadRow(r, row);
            for (var c = 0; c < 128; c++)
            {
                var scale = m.Scales[(r * 128 + c) / 32];
                Assert.True(Math.Abs(row[c] - w[r * 128 + c]) <= scale / 2 + 1e-6f, $"({r},{c})");
            }
        }
    }

    [Theory]
    [MemberData(nameof(QuantShapes))]
    public void Q4Multiply_RandomBlocks_MatchesNaiveNibbleDecoding(int rows, int cols, int n)
    {
        var rng = new Random(6);
        using var m = new Q4Matrix(rows, cols);
        var groups = rows * cols / 32;
        var w = new float[rows * cols];
        for (var g = 0; g < groups; g++)
        {
            m.Scales[g] = (float)(rng.NextDouble() * 0.1);
            for (var i = 0; i < 16; i++)
            {
                var b = (byte)rng.Next(256);
                m.Packed[g * 16 + i] = b;
                // block_q4_0: low nibble is element i, high nibble element i + 16, value (q - 8) * d.
                w[g * 32 + i] = ((b & 15) - 8) * m.Scales[g];
                w[g * 32 + i + 16] = ((b >> 4) - 8) * m.Scales[g];
            }
        }

        var x = Naive.Random(n * cols, 7);

        AssertClose(Naive.MatMul(w, rows, cols, x, n), Multiply(m, x, n), 1e-5);
    }

    [Fact]
    public void ConcatRows_Product_EqualsThePartsStacked()
    {
        var a = Naive.Random(10 * 64, 8);
        var b = Naive.Random(6 * 64, 9);
        var x = Naive.Random(3 * 64, 10);
        using var ma = F32Matrix.Allocate(10, 64, out var da);
        using var mb = F32Matrix.Allocate(6, 64, out var db);
        a.CopyTo(da);
        b.CopyTo(db);
        using var both = new ConcatRowsMatrix(ma, mb);

        var y = Multiply(both, x, 3);

        AssertClose(Naive.MatMul([.. a, .. b], 16, 64, x, 3), y, 1e-5);
    }

    internal static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        var error = ReferenceData.RelativeError(actual, expected);
        Assert.True(error < tolerance, $"normalized error {error:E2} over {tolerance:E0}");
    }

    private static float[] Multiply(WeightMatrix m, float[] x, int n)
    {
        var y = new float[n * m.Rows];
        fixed (float* px = x, py = y)
        {
            // Two calls over split row ranges, as two kernel threads would make.
            m.Multiply(px, n, py, m.Rows, 0, m.Rows / 2);
            m.Multiply(px, n, py, m.Rows, m.Rows / 2, m.Rows);
        }

        return y;
    }
}
