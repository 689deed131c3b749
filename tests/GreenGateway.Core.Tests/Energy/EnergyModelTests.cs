namespace GreenGateway.Core.Energy.Tests;

public sealed class EnergyModelTests
{
    private static readonly EnergyProfile Profile = new()
    {
        JoulesPerPromptToken = 0.1,
        JoulesPerCompletionToken = 0.45,
        JoulesPerRequest = 2,
    };

    [Fact]
    public void Compute_WithoutReport_IsRequestPlusPromptPlusCompletionEnergyTimesPue()
    {
        var model = new EnergyModel(pue: 1.2);

        var figure = model.Compute(Profile, new TokenUsage(PromptTokens: 100, CompletionTokens: 50, Counted: false));

        // (2 + 100 * 0.1 + 50 * 0.45) * 1.2 = 34.5 * 1.2
        Assert.Equal(41.4, figure.Joules, precision: 9);
        Assert.Equal(EnergyMethod.Modelled, figure.Method);
    }

    [Fact]
    public void Compute_WithNoTokens_ChargesTheRequestEnergyOnly()
    {
        var figure = new EnergyModel(pue: 1.5).Compute(Profile, new TokenUsage(0, 0, Counted: true));

        Assert.Equal(3.0, figure.Joules, precision: 9);
    }

    [Fact]
    public void Compute_WithUpstreamReport_OverridesProfileAndAppliesPue()
    {
        var model = new EnergyModel(pue: 1.5);

        var figure = model.Compute(Profile, new TokenUsage(100, 50, Counted: false), reportedJoules: 100);

        Assert.Equal(150.0, figure.Joules, precision: 9);
        Assert.Equal(EnergyMethod.UpstreamReported, figure.Method);
    }

    [Fact]
    public void Compute_WithUpstreamReportOfZero_ChargesZero()
    {
        var figure = new EnergyModel(pue: 1.3).Compute(Profile, new TokenUsage(100, 50, Counted: false), reportedJoules: 0);

        Assert.Equal(0.0, figure.Joules);
        Assert.Equal(EnergyMethod.UpstreamReported, figure.Method);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Compute_WithUnusableUpstreamReport_FallsBackToProfile(double reported)
    {
        var figure = new EnergyModel(pue: 1.0).Compute(Profile, new TokenUsage(100, 50, Counted: false), reported);

        Assert.Equal(34.5, figure.Joules, precision: 9);
        Assert.Equal(EnergyMethod.Modelled, figure.Method);
    }

    [Theory]
    [InlineData(0.99)]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Constructor_WithPueBelowOneOrNotFinite_Throws(double pue)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new EnergyModel(pue));

        Assert.Equal("pue", e.ParamName);
    }

    [Fact]
    public void Constructor_WithPueOfOne_CountsItEnergyAlone()
    {
        var figure = new EnergyModel(pue: 1.0).Compute(Profile, new TokenUsage(10, 0, Counted: false));

        Assert.Equal(3.0, figure.Joules, precision: 9);
    }
}
