using GreenGateway.Inference.Kernels;
using GreenGateway.Inference.Models;

namespace GreenGateway.Inference.Tests.Kernels;

public sealed class VectorOpsTests
{
    [Theory]
    [InlineData(64)]
    [InlineData(67)]
    [InlineData(4096)]
    public void RmsNorm_RandomInputs_MatchesNaive(int n)
    {
        var x = Naive.Random(n, 1, 3f);
        var w = Naive.Random(n, 2);
        var y = new float[n];

        VectorOps.RmsNorm(x, w, 1e-5f, y);

        MatrixKernelTests.AssertClose(Naive.RmsNorm(x, w, 1e-5f), y, 1e-6);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(1000)]
    public void Softmax_LargeLogits_MatchesNaiveWithoutOverflow(int n)
    {
        var x = Naive.Random(n, 3, 200f);
        var y = (float[])x.Clone();

        VectorOps.Softmax(y);

        MatrixKernelTests.AssertClose(Naive.Softmax(x), y, 1e-5);
        Assert.Equal(1.0, y.Sum(static v => (double)v), 1e-5);
    }

    [Fact]
    public void LogSoftmax_RandomLogits_IsTheLogOfSoftmax()
    {
        var x = Naive.Random(333, 4, 20f);
        var y = new float[333];

        VectorOps.LogSoftmax(x, y);

        MatrixKernelTests.AssertClose(Naive.Softmax(x), y.Select(static v => MathF.Exp(v)).ToArray(), 1e-5);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(171)]
    public void SiluMultiply_RandomInputs_MatchesNaive(int n)
    {
        var g = Naive.Random(n, 5, 6f);
        var u = Naive.Random(n, 6);
        var y = new float[n];

        VectorOps.SiluMultiply(g, u, y);

        MatrixKernelTests.AssertClose(Naive.SiluMultiply(g, u), y, 1e-5);
    }

    [Theory]
    [InlineData(RopeStyle.Half)]
    [InlineData(RopeStyle.Interleaved)]
    public void Rope_RandomHead_MatchesNaiveRotation(RopeStyle style)
    {
        var x = Naive.Random(64, 7);
        var angles = Enumerable.Range(0, 32).Select(static i => 0.37 * (i + 1)).ToArray();
        var head = (float[])x.Clone();

        VectorOps.Rope(head, angles.Select(static a => (float)Math.Cos(a)).ToArray(), angles.Select(static a => (float)Math.Sin(a)).ToArray(), style);

        var expected = style == RopeStyle.Half ? Naive.RopeHalf(x, angles) : Naive.RopeInterleaved(x, angles);
        MatrixKernelTests.AssertClose(expected, head, 1e-6);
    }
}
