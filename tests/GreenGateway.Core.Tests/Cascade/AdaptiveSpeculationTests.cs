namespace GreenGateway.Core.Cascade.Tests;

public sealed class AdaptiveSpeculationTests
{
    [Theory]
    [InlineData(0.0, 1, 1.0)]
    [InlineData(0.5, 4, 1.9375)]
    [InlineData(0.8, 4, 3.3616)]
    [InlineData(1.0, 4, 5.0)]
    public void ExpectedTokens_IsTheGeometricSeriesOfTheSpeculativeDecodingPaper(double a, int k, double expected) =>
        Assert.Equal(expected, AdaptiveSpeculation.ExpectedTokens(a, k), 4);

    [Fact]
    public void Best_GrowsWithAcceptance_AndShrinksWithDraftCost()
    {
        var low = AdaptiveSpeculation.Best(0.3, 0.2, 1, 12);
        var high = AdaptiveSpeculation.Best(0.9, 0.2, 1, 12);
        var dear = AdaptiveSpeculation.Best(0.9, 0.8, 1, 12);

        Assert.True(high > low, $"k at a=0.9 ({high}) should exceed k at a=0.3 ({low})");
        Assert.True(dear < high, $"a dearer draft ({dear}) should propose fewer than a cheap one ({high})");
        Assert.Equal(12, AdaptiveSpeculation.Best(1.0, 0.01, 1, 12));
    }

    [Fact]
    public void Observe_MovesTheRateTowardsWhatIsSeen_AndKFollows()
    {
        var adaptive = new AdaptiveSpeculation(1, 10, initialRate: 0.5, draftCostRatio: 0.1);
        var before = adaptive.NextK();
        for (var i = 0; i < 60; i++)
        {
            adaptive.Observe(8, 8);
        }

        Assert.True(adaptive.Rate > 0.95, $"rate {adaptive.Rate}");
        Assert.True(adaptive.NextK() > before);
        for (var i = 0; i < 80; i++)
        {
            adaptive.Observe(8, 0);
        }

        Assert.True(adaptive.Rate < 0.05, $"rate {adaptive.Rate}");
        Assert.Equal(1, adaptive.NextK());
        Assert.Equal((140L * 8, 480L), adaptive.Totals);
    }

    [Fact]
    public void ObserveCosts_FollowsTheMeasuredRatio_AndACheapDraftProposesMore()
    {
        var adaptive = new AdaptiveSpeculation(1, 12, initialRate: 0.8, draftCostRatio: 0.5);
        var dear = adaptive.NextK();
        for (var i = 0; i < 100; i++)
        {
            adaptive.ObserveCosts(draftJoulesPerToken: 0.002, callJoules: 0.1);
        }

        Assert.InRange(adaptive.DraftCostRatio, 0.019, 0.025);
        Assert.True(adaptive.NextK() > dear, $"k {adaptive.NextK()} with a cheap draft, {dear} with a dear one");
        adaptive.ObserveCosts(double.NaN, 0.1);
        adaptive.ObserveCosts(0.01, 0);
        Assert.InRange(adaptive.DraftCostRatio, 0.019, 0.025);
    }

    [Fact]
    public void DraftConfidence_TracksMinimumMeanAndEntropy()
    {
        var confidence = new DraftConfidence();
        confidence.Add(0.9, 0.2);
        confidence.Add(0.6, 1.0);

        Assert.Equal(0.6, confidence.MinProbability, 6);
        Assert.Equal(0.75, confidence.MeanProbability, 6);
        Assert.Equal(0.6, confidence.MeanEntropy, 6);
        Assert.True(confidence.Clears(new DraftBar(0.5, 0.7)));
        Assert.False(confidence.Clears(new DraftBar(0.7, 0.7)));
        Assert.False(confidence.Clears(new DraftBar(0.5, 0.5)));

        float[] probs = new float[2];
        var entropy = DraftConfidence.Softmax([0f, 0f], probs);
        Assert.Equal(Math.Log(2), entropy, 6);
        Assert.Equal(0.5f, probs[0], 6);
    }
}
