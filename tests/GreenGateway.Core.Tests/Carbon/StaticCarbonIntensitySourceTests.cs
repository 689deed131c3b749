namespace GreenGateway.Core.Carbon.Tests;

public sealed class StaticCarbonIntensitySourceTests
{
    [Theory]
    [InlineData("DE")]
    [InlineData("FR")]
    [InlineData("")]
    public async Task GetAsync_ForAnyRegionAndTime_ReturnsTheConfiguredValue(string region)
    {
        var at = new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

        var intensity = await new StaticCarbonIntensitySource(412.5).GetAsync(region, at, TestContext.Current.CancellationToken);

        Assert.Equal(new CarbonIntensity(412.5, "static", at), intensity);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Constructor_WithNegativeOrNonFiniteValue_Throws(double value)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StaticCarbonIntensitySource(value));
    }
}
