namespace GreenGateway.Core.Cascade.Tests;

public sealed class TierLatencyTests
{
    [Fact]
    public void AddedP99_IsTheTiersP99AboveTheLargeModels_OnceBothHaveEnoughAnswers()
    {
        var latency = new TierLatency();
        for (var i = 1; i <= 100; i++)
        {
            latency.Observe(CascadeTier.Upstream, TimeSpan.FromMilliseconds(i));
            if (i < TierLatency.MinSamples)
            {
                Assert.Null(latency.AddedP99(CascadeTier.Speculative));
            }

            latency.Observe(CascadeTier.Speculative, TimeSpan.FromMilliseconds(i * 3));
        }

        Assert.Equal(99, latency.Percentile(CascadeTier.Upstream, 0.99));
        Assert.Equal(297 - 99, latency.AddedP99(CascadeTier.Speculative));
        Assert.Null(latency.AddedP99(CascadeTier.Draft));
    }
}
