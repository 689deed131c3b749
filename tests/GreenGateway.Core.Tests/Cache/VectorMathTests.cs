namespace GreenGateway.Core.Cache.Tests;

public sealed class VectorMathTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(1023)]
    [InlineData(1024)]
    public void Dot_MatchesTheNaiveSum_OnRandomVectors(int length)
    {
        var random = new Random(length);
        var a = new float[length];
        var b = new float[length];
        for (var i = 0; i < length; i++)
        {
            a[i] = (float)((random.NextDouble() * 2) - 1);
            b[i] = (float)((random.NextDouble() * 2) - 1);
        }

        double reference = 0, magnitude = 0;
        for (var i = 0; i < length; i++)
        {
            reference += (double)a[i] * b[i];
            magnitude += Math.Abs((double)a[i] * b[i]);
        }

        var error = Math.Abs(VectorMath.Dot(a, b) - reference) / Math.Max(magnitude, 1e-12);
        Assert.True(error < 1e-5, $"normalized error {error}");
    }

    [Fact]
    public void Nearest_FindsTheMostSimilarRow()
    {
        var rows = new float[] { 1, 0, 0, 0, 1, 0, 0.6f, 0.8f, 0 };
        var (index, score) = VectorMath.Nearest([0, 1, 0], rows, 3);
        Assert.Equal(1, index);
        Assert.Equal(1f, score, 5);
        Assert.Equal(-1, VectorMath.Nearest([0, 1, 0], [], 0).Index);
    }

    [Fact]
    public void Normalize_GivesUnitLength_AndLeavesZeroAlone()
    {
        var v = new float[] { 3, 4 };
        VectorMath.Normalize(v);
        Assert.Equal(0.6f, v[0], 5);
        Assert.Equal(0.8f, v[1], 5);
        var zero = new float[3];
        VectorMath.Normalize(zero);
        Assert.Equal(new float[3], zero);
    }
}
