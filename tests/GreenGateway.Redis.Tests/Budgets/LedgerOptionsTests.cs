using GreenGateway.Redis.Budgets;

namespace GreenGateway.Redis.Tests.Budgets;

public sealed class LedgerOptionsTests
{
    [Theory]
    [InlineData("fail-open", LedgerFailMode.FailOpen)]
    [InlineData(" Fail-Closed ", LedgerFailMode.FailClosed)]
    [InlineData("FailOpen", LedgerFailMode.FailOpen)]
    public void ParseFailMode_ReadsTheConfigurationSpelling(string text, LedgerFailMode expected) =>
        Assert.Equal(expected, RedisBudgetLedgerOptions.ParseFailMode(text));

    [Fact]
    public void ParseFailMode_RejectsAnythingElse() =>
        Assert.Throws<FormatException>(() => RedisBudgetLedgerOptions.ParseFailMode("open"));

    [Fact]
    public void Validate_ReportsEveryProblem()
    {
        var options = new RedisBudgetLedgerOptions { LocalSliceFraction = 0, KeyPrefix = " ", ReplayInterval = TimeSpan.Zero };
        Assert.Equal(3, options.Validate().Count);
    }
}
