namespace GreenGateway.Core.Cascade.Tests;

/// <summary>Whether the draft's attempts pay, judged on their savings against their waste.</summary>
public sealed class DraftValueTests
{
    [Fact]
    public void BeforeEnoughAttempts_TheDraftAlwaysTries()
    {
        var value = new DraftValue(minSamples: 8, probeFraction: 0);
        for (var i = 0; i < 7; i++)
        {
            value.Observe(answered: false, joules: 5, baselineJoules: 0);
        }

        Assert.Null(value.NetSaving);
        Assert.True(value.ShouldAttempt());
    }

    [Fact]
    public void AttemptsThatSaveMoreThanTheyWaste_GoOn()
    {
        var value = new DraftValue(minSamples: 8, probeFraction: 0);
        for (var i = 0; i < 10; i++)
        {
            // Half answer (saving 9 J of a 10 J baseline), half fail (wasting 1 J).
            value.Observe(answered: i % 2 == 0, joules: 1, baselineJoules: 10);
        }

        Assert.Equal((5 * 9) - (5 * 1), value.NetSaving);
        Assert.True(value.ShouldAttempt());

        // The router says this prompt has a 5 % chance: 0.05 x 9 < 0.95 x 1, a loss.
        Assert.False(value.ShouldAttempt(answerProbability: 0.05));
    }

    [Fact]
    public void AttemptsThatWasteMore_AreSkipped_ButForProbes()
    {
        var value = new DraftValue(minSamples: 8, probeFraction: 0.25);
        for (var i = 0; i < 10; i++)
        {
            value.Observe(answered: i == 0, joules: 2, baselineJoules: 3);
        }

        var tried = Enumerable.Range(0, 100).Count(_ => value.ShouldAttempt());

        Assert.True(value.NetSaving < 0);
        Assert.Equal(25, tried);
    }
}
