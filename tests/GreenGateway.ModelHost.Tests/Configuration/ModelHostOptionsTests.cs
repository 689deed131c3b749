namespace GreenGateway.ModelHost.Configuration.Tests;

public sealed class ModelHostOptionsTests
{
    [Fact]
    public void Validate_ReportsEveryProblemAtOnce()
    {
        var errors = new ModelHostOptions { Model = "", Threads = 0, Weights = "q4", PrefixCacheSlots = -1, WattsPerCore = 0, ToolCallParser = "xml" }.Validate();

        Assert.Equal(6, errors.Count);
        Assert.Contains(errors, static e => e.Contains("ModelHost:ToolCallParser must be auto, none, hermes, mistral or llama3_json, not 'xml'", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.Contains("ModelHost:Model is required", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.Contains("'q4'", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_WithAMissingModel_RefusesToStart_NamingThePath()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ModelHostApp.Build(["--model", "/no/such/model"]));

        Assert.Contains("/no/such/model", e.Message, StringComparison.Ordinal);
    }
}
