namespace GreenGateway.Core.Carbon.Tests;

public sealed class CarbonCalculatorTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Grams_OfOneKilowattHour_IsTheIntensity()
    {
        var calculator = new CarbonCalculator(new EmbodiedEmissions());

        Assert.Equal(400.0, calculator.Grams(3_600_000, new CarbonIntensity(400, "static", At), TimeSpan.FromSeconds(3)), precision: 9);
    }

    [Fact]
    public void Grams_WithoutEmbodiedEmissions_IsOperationalOnly()
    {
        var calculator = new CarbonCalculator(new EmbodiedEmissions());

        // 1800 J = 0.0005 kWh; x 300 g/kWh = 0.15 g.
        Assert.Equal(0.15, calculator.Grams(1800, new CarbonIntensity(300, "static", At), TimeSpan.FromSeconds(10)), precision: 12);
    }

    [Fact]
    public void Grams_WithEmbodiedEmissions_AddsPerRequestAndPerSecondShares()
    {
        var calculator = new CarbonCalculator(new EmbodiedEmissions { GramsPerRequest = 0.01, GramsPerSecond = 0.002 });

        // 7200 J = 0.002 kWh x 250 g/kWh = 0.5 g; + 0.01 g per request; + 2.5 s x 0.002 g/s = 0.005 g.
        var grams = calculator.Grams(7200, new CarbonIntensity(250, "static", At), TimeSpan.FromSeconds(2.5));

        Assert.Equal(0.515, grams, precision: 12);
    }

    [Fact]
    public void Grams_WithNegativeDuration_AddsNoPerSecondShare()
    {
        var calculator = new CarbonCalculator(new EmbodiedEmissions { GramsPerRequest = 0.01, GramsPerSecond = 0.002 });

        Assert.Equal(0.01, calculator.Grams(0, new CarbonIntensity(250, "static", At), TimeSpan.FromSeconds(-5)), precision: 12);
    }

    [Fact]
    public void Grams_AtZeroIntensity_IsTheEmbodiedShareOnly()
    {
        var calculator = new CarbonCalculator(new EmbodiedEmissions { GramsPerSecond = 0.1 });

        Assert.Equal(0.3, calculator.Grams(1_000_000, new CarbonIntensity(0, "static", At), TimeSpan.FromSeconds(3)), precision: 12);
    }
}
