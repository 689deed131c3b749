using GreenGateway.Cli.Bench;
using GreenGateway.Cli.Tests.Support;

namespace GreenGateway.Cli.Bench.Tests;

/// <summary>The batch scheduler's benchmark on the shipped synthetic day (loadtests/carbon/two-regions-synthetic-day.csv).</summary>
public sealed class BatchCarbonBenchTests
{
    private static readonly string Day = Path.Combine(RepoPaths.Root, "loadtests", "carbon", "two-regions-synthetic-day.csv");

    [Fact]
    public void NightSubmission_IsMovedIntoTheSolarDip_AndCostsAQuarter()
    {
        var result = Assert.Single(BatchCarbonBench.Run(Day, "solar", "flat", 10_000, 100, [new BatchScenario("night", TimeSpan.Zero, 1, false)]));

        Assert.Equal(10_000, result.ScheduledDone);
        Assert.InRange(result.Ratio, 0.2, 0.3);
        Assert.All(result.Plan.Slots, slot => Assert.InRange(slot.Start.Hour, 10, 15));
    }

    [Fact]
    public void SlowBatch_WithNoRoomToWait_RunsNow_AndOnlyTheCleanerRegionHelps()
    {
        var results = BatchCarbonBench.Run(Day, "solar", "flat", 10_000, 100,
            [new BatchScenario("time", TimeSpan.Zero, 0.15, false), new BatchScenario("time + region", TimeSpan.Zero, 0.15, true)]);

        Assert.True(results[0].Plan.RunNow);
        Assert.Equal(1, results[0].Ratio, 3);
        Assert.True(results[1].Ratio < 0.8);
    }
}
