using GreenGateway.Inference.Generation;

namespace GreenGateway.Inference.Tests.Generation;

public sealed class SamplerTests
{
    // Probabilities 0.4, 0.3, 0.2, 0.1 at temperature 1, shuffled over the vocabulary.
    private static readonly float[] Logits = [MathF.Log(0.2f), MathF.Log(0.4f), MathF.Log(0.1f), MathF.Log(0.3f)];

    [Fact]
    public void Sample_TopP_DrawsOnlyFromTheSmallestSetReachingP()
    {
        var counts = Draw(new SamplingOptions { TopP = 0.5f, Seed = 1 }, 4000);

        Assert.Equal(0, counts[0] + counts[2]);
        Assert.InRange(counts[1] / 4000.0, 0.52, 0.62); // 0.4 / 0.7
        Assert.InRange(counts[3] / 4000.0, 0.38, 0.48); // 0.3 / 0.7
    }

    [Fact]
    public void Sample_TopK_DrawsOnlyTheKMostLikely()
    {
        var counts = Draw(new SamplingOptions { TopK = 3, Seed = 2 }, 4000);

        Assert.Equal(0, counts[2]);
        Assert.InRange(counts[1] / 4000.0, 0.39, 0.50); // 0.4 / 0.9
    }

    [Fact]
    public void Sample_NoTruncation_FollowsTheDistribution()
    {
        var counts = Draw(new SamplingOptions { Seed = 3 }, 8000);

        Assert.InRange(counts[1] / 8000.0, 0.37, 0.43);
        Assert.InRange(counts[2] / 8000.0, 0.08, 0.12);
    }

    [Fact]
    public void Sample_ReportsTheRawLogprobOfTheChosenToken()
    {
        var sampler = new Sampler(new SamplingOptions { Temperature = 0, TopLogprobs = 2 }, 4);

        var token = sampler.Sample(Logits, out var logprob, out var top);

        Assert.Equal(1, token);
        Assert.Equal(MathF.Log(0.4f), logprob, 1e-5);
        Assert.Equal([1, 3], top.Select(static t => t.TokenId));
    }

    private static int[] Draw(SamplingOptions options, int draws)
    {
        var sampler = new Sampler(options, Logits.Length);
        var counts = new int[Logits.Length];
        for (var i = 0; i < draws; i++)
        {
            counts[sampler.Sample(Logits, out _, out _)]++;
        }

        return counts;
    }
}
