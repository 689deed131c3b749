namespace GreenGateway.Core.Energy.Tests;

public sealed class EnergyProfileTests
{
    [Fact]
    public void Validate_WithEveryFieldBad_ReportsEachFieldUnderItsPath()
    {
        var profile = new EnergyProfile
        {
            JoulesPerPromptToken = -0.1,
            JoulesPerCompletionToken = double.NaN,
            JoulesPerRequest = double.PositiveInfinity,
        };
        var errors = new List<string>();

        profile.Validate("Energy:Models:llama-8b", errors);

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Energy:Models:llama-8b.JoulesPerPromptToken ", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Energy:Models:llama-8b.JoulesPerCompletionToken ", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Energy:Models:llama-8b.JoulesPerRequest ", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_WithOneFieldBad_ReportsThatFieldOnly()
    {
        var errors = new List<string>();

        new EnergyProfile { JoulesPerPromptToken = 0.1, JoulesPerCompletionToken = -3 }.Validate("m", errors);

        var error = Assert.Single(errors);
        Assert.Contains("m.JoulesPerCompletionToken", error, StringComparison.Ordinal);
        Assert.Contains("-3", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WithZerosAndPositives_ReportsNothing()
    {
        var errors = new List<string> { "an earlier error" };

        new EnergyProfile { JoulesPerPromptToken = 0, JoulesPerCompletionToken = 3.8, JoulesPerRequest = 0 }.Validate("m", errors);

        Assert.Equal(["an earlier error"], errors);
    }
}
