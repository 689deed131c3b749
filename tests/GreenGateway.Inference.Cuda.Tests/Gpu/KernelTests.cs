using GreenGateway.Inference.Cuda.Tests.Checks;

namespace GreenGateway.Inference.Cuda.Tests.Gpu;

public sealed class KernelTests
{
    [Fact]
    public void EveryKernel_OnRandomInputs_MatchesNaiveReferenceWithinItsBound()
    {
        GpuMachine.Require();
        using var checks = new KernelChecks(GpuMachine.CacheDirectory());
        var results = checks.RunAll();
        Assert.All(results, r => Assert.True(r.Passed, r.ToString()));
    }
}

public sealed class GreedyTests
{
    [Theory]
    [InlineData("draft")]
    [InlineData("target")]
    public void DemoModel_OnGpu_GivesTheCpuEnginesGreedyContinuation(string model)
    {
        GpuMachine.Require();
        var results = GreedyChecks.Run(Path.Combine(RepoPaths.Models, model), GpuMachine.CacheDirectory());
        Assert.All(results, r => Assert.True(r.Passed, r.ToString()));
    }
}
