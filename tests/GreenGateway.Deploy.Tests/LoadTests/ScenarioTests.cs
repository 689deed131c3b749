using GreenGateway.Deploy.Tests.Support;
using GreenGateway.LoadTests.Load;
using GreenGateway.LoadTests.Reporting;
using GreenGateway.LoadTests.Scenarios;

namespace GreenGateway.Deploy.Tests.LoadTests;

/// <summary>The load harness's own logic: shipped scenarios, arrival schedules, objectives.</summary>
public sealed class ScenarioTests
{
    public static TheoryData<string> ShippedScenarios() =>
        [.. Directory.GetFiles(Repository.Path("loadtests", "scenarios"), "*.json").Select(f => Path.GetFileName(f)!)];

    [Theory]
    [MemberData(nameof(ShippedScenarios))]
    public void ShippedScenario_Parses_AndDeclaresObjectivesThatCanFailTheRun(string file)
    {
        var scenario = Scenario.FromFile(Repository.Path("loadtests", "scenarios", file));
        var slo = scenario.Slo;
        var checks = new object?[] { slo.P50Ms, slo.P99Ms, slo.MaxErrorRate, slo.MinThroughput, slo.MinCacheShareAtEnd, slo.MaxMemoryGrowthMb, slo.Budget, scenario.Fleet };

        Assert.Equal(Path.GetFileNameWithoutExtension(file), scenario.Name);
        Assert.NotEmpty(scenario.Mix);
        Assert.True(slo.No5xx || checks.Any(c => c is not null), "a scenario without objectives gates nothing");
        Assert.All(scenario.Mix, m => Assert.True(m.Tenant is null || scenario.Tenants.Any(t => t.Id == m.Tenant)));
        Assert.InRange(scenario.Load.DurationSeconds, 1, 600);
        Assert.InRange(Arrivals.Schedule(scenario.Load, scenario.Load.DurationSeconds).Length, 1, Arrivals.MaxRequests);
    }

    [Fact]
    public void Scenario_WithAnUnknownField_IsRefused()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, """{"name":"x","mix":[{"kind":"plain"}],"load":{"rate":10},"slo":{"p99":5}}""");
        try
        {
            Assert.ThrowsAny<System.Text.Json.JsonException>(() => Scenario.FromFile(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Schedule_OfEachShape_SendsTheIntegralOfItsRate_InOrder()
    {
        var constant = Arrivals.Schedule(new LoadShape { Rate = 200, DurationSeconds = 5 }, 5);
        var ramp = Arrivals.Schedule(new LoadShape { Shape = ShapeKind.Ramp, Rate = 100, To = 300, DurationSeconds = 10 }, 10);
        var step = Arrivals.Schedule(new LoadShape { Shape = ShapeKind.Step, Steps = [50, 150], StepSeconds = 4, DurationSeconds = 8 }, 8);
        var spike = Arrivals.Schedule(new LoadShape { Shape = ShapeKind.Spike, Rate = 100, SpikeRate = 1000, SpikeAtSeconds = 2, SpikeSeconds = 1, DurationSeconds = 5 }, 5);

        Assert.InRange(constant.Length, 999, 1000);
        Assert.InRange(ramp.Length, 1999, 2000);
        Assert.InRange(step.Length, 799, 800);
        Assert.InRange(spike.Length, 1399, 1400);
        Assert.InRange(spike.Count(t => t >= 2 && t < 3), 999, 1001);
        Assert.InRange(step.Count(t => t < 4), 199, 200);
        Assert.All(new[] { constant, ramp, step, spike }, s => Assert.Equal(s.Order(), s));
        Assert.InRange(constant[1] - constant[0], 0.0049, 0.0051);
    }

    [Fact]
    public void BudgetObjective_FailsWhenTheLedgerExceedsTheLimitByMoreThanOneReservation()
    {
        var scenario = new Scenario
        {
            Name = "t",
            Mix = [new MixEntry { Kind = RequestKind.Plain }],
            Load = new LoadShape { DurationSeconds = 1 },
            Slo = new Objectives { Budget = new BudgetObjective { Tenant = "load", MaxReservationJ = 10 } },
        };
        Completed Ok(double at) => new(at, at + 0.01, 10, new RequestResult(200, "upstream", 10, 0.001, "load"));
        Completed Refused(double at) => new(at, at + 0.01, 10, new RequestResult(429, null, double.NaN, double.NaN, "load"));
        var results = Enumerable.Range(0, 12).Select(i => Ok(i * 0.1)).Append(Refused(1.3)).ToList();
        RunOutcome Outcome(double consumed) => new(scenario, new Summary(results), null, 0, 0, [], new LedgerUsage("day", consumed, 0, 100), null);

        var within = ObjectiveCheck.Evaluate(Outcome(120)); // 12 answers of 10 J against 100 J: 20 J over, two reservations
        var exact = ObjectiveCheck.Evaluate(Outcome(120) with { Ledger = new LedgerUsage("day", 120, 0, 115) });

        Assert.False(within.Single(o => o.Name.StartsWith("ledger overspend", StringComparison.Ordinal)).Met);
        Assert.True(within.Single(o => o.Name.StartsWith("ledger minus", StringComparison.Ordinal)).Met);
        Assert.True(exact.Single(o => o.Name.StartsWith("ledger overspend", StringComparison.Ordinal)).Met);
        Assert.False(ObjectiveCheck.Evaluate(Outcome(130)).Single(o => o.Name.StartsWith("ledger minus", StringComparison.Ordinal)).Met);
    }
}
