namespace GreenGateway.Core.Cascade.Tests;

public sealed class SpeculationValueTests
{
    [Fact]
    public void Unmeasured_Speculates()
    {
        var value = new SpeculationValue();

        Assert.True(value.Pays);
        Assert.True(value.ShouldSpeculate());
    }

    [Fact]
    public void DearerThanTheLargeModel_SpeculatesOnlyTheProbeShare_AndRecovers()
    {
        var value = new SpeculationValue(window: 5, probeFraction: 0.25, minSamples: 3);
        for (var i = 0; i < 5; i++)
        {
            value.Observe(joules: 1.3, baselineJoules: 1.0);
        }

        Assert.False(value.Pays);
        var speculated = Enumerable.Range(0, 100).Count(_ => value.ShouldSpeculate());
        Assert.Equal(25, speculated);

        // The probes find speculation cheaper again (say, the upstream moved to a GPU): the median follows.
        for (var i = 0; i < 3; i++)
        {
            value.Observe(joules: 0.4, baselineJoules: 1.0);
        }

        Assert.True(value.Pays);
        Assert.Equal(0.4, value.Ratio!.Value, 6);
    }

    [Fact]
    public void ColdFirstAnswers_DoNotSwitchSpeculationOff()
    {
        var value = new SpeculationValue(window: 31, minSamples: 8);
        for (var i = 0; i < 7; i++)
        {
            value.Observe(joules: 3.0, baselineJoules: 1.0);
        }

        Assert.True(value.Pays);
        value.Observe(joules: 3.0, baselineJoules: 1.0);
        Assert.False(value.Pays);
    }

    [Fact]
    public void OneOutlier_DoesNotFlipTheMedian()
    {
        var value = new SpeculationValue(window: 7);
        for (var i = 0; i < 6; i++)
        {
            value.Observe(0.5, 1.0);
        }

        value.Observe(40, 1.0);

        Assert.True(value.Pays);
        value.Observe(-1, 1.0);
        value.Observe(1, 0);
        Assert.Equal(0.5, value.Ratio!.Value, 6);
    }
}
