namespace GreenGateway.Core.Budgets.Tests;

public sealed class BudgetLimitTests
{
    [Theory]
    [InlineData(99.9, false)]
    [InlineData(100.0, true)]
    [InlineData(250.0, true)]
    public void IsSpent_WithEnergyLimit_IsTrueFromTheLimitOn(double joules, bool spent)
    {
        var limit = new BudgetLimit(BudgetWindow.Day, EnergyJoules: 100, CarbonGrams: null);

        Assert.Equal(spent, limit.IsSpent(new EnergyCarbon(joules, 1_000_000)));
    }

    [Theory]
    [InlineData(4.99, false)]
    [InlineData(5.0, true)]
    public void IsSpent_WithCarbonLimit_IsTrueFromTheLimitOn(double grams, bool spent)
    {
        var limit = new BudgetLimit(BudgetWindow.Day, EnergyJoules: null, CarbonGrams: 5);

        Assert.Equal(spent, limit.IsSpent(new EnergyCarbon(1_000_000, grams)));
    }

    [Theory]
    [InlineData(100.0, 0.0, true)]
    [InlineData(0.0, 5.0, true)]
    [InlineData(99.0, 4.0, false)]
    public void IsSpent_WithBothLimits_IsTrueWhenEitherIsReached(double joules, double grams, bool spent)
    {
        var limit = new BudgetLimit(BudgetWindow.Hour, EnergyJoules: 100, CarbonGrams: 5);

        Assert.Equal(spent, limit.IsSpent(new EnergyCarbon(joules, grams)));
    }

    [Fact]
    public void IsSpent_WithoutLimits_IsNeverTrue()
    {
        var limit = new BudgetLimit(BudgetWindow.Month, EnergyJoules: null, CarbonGrams: null);

        Assert.False(limit.IsSpent(new EnergyCarbon(double.MaxValue, double.MaxValue)));
    }
}
