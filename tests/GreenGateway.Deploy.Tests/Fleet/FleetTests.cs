using GreenGateway.Deploy.Tests.Support;
using GreenGateway.LoadTests.Scenarios;

namespace GreenGateway.Deploy.Tests.Fleet;

/// <summary>
/// Three gateway replicas (child processes) behind nginx, one redis-server, one tenant's budget shared by
/// all of them, and one replica killed with SIGKILL under load: the harness's fleet scenarios (one redis-server,
/// a three-node Redis Cluster), made small.
/// </summary>
public sealed class FleetTests
{
    private const double LimitJ = 1800; // 0.5 Wh: about 155 requests of 11.66 J

    // One reservation: max_tokens 16 and a short prompt (well under 200 tokens) in the llm-8b profile,
    // PUE 1.56: (200 * 0.023 + 16 * 0.45) * 1.56 = 18.4 J at most.
    private const double MaxReservationJ = 18.4;

    [Theory]
    [InlineData("fleet.json")]
    [InlineData("fleet-cluster.json")]
    public async Task SharedBudget_IsNotOverspent_NoChargeIsLost_AndTheOthersServe_WhenAReplicaIsKilled(string file)
    {
        Assert.SkipUnless(OnPath("nginx") && OnPath("redis-server") && OnPath("redis-cli"), "nginx, redis-server and redis-cli are needed (test.sh installs them)");
        var scenario = Scenario.FromFile(Repository.Path("loadtests", "scenarios", file)) with
        {
            Tenants = [new TenantSetup { Id = "shared", Key = "gg-test-shared", Budgets = new() { ["day"] = new() { ["energy_wh"] = LimitJ / 3600 } } }],
            Load = new LoadShape { Rate = 30, DurationSeconds = 10 },
            Fleet = new FleetSetup { Replicas = 3, KillAtSeconds = 3 },
        };
        var folder = Directory.CreateTempSubdirectory("gg-fleet-").FullName;
        try
        {
            var outcome = await new ScenarioRunner(scenario, folder).RunAsync();
            var objectives = ObjectiveCheck.Evaluate(outcome);
            var results = outcome.Gateway.Results;
            var ledger = outcome.Ledger!;
            var charged = results.Where(r => r.Result.Status == 200).Sum(r => r.Result.EnergyJ);

            Assert.All(objectives, o => Assert.True(o.Met, $"{o.Name}: {o.Actual} (target {o.Target})"));
            Assert.Equal(3, outcome.KilledAtS);
            Assert.Equal(LimitJ, ledger.LimitJ!.Value, 6);
            var unanswered = results.Count(r => r.Result.Status is 0 or >= 500);

            // The budget is used up and not overspent: what was consumed, plus what the killed replica's requests still
            // hold (their reservations are released only when the window's key expires, docs/operations.md), and
            // nothing else is held.
            Assert.InRange(ledger.ConsumedJ, 0, LimitJ + MaxReservationJ);
            Assert.InRange(ledger.ConsumedJ + ledger.ReservedJ, LimitJ - MaxReservationJ, LimitJ + MaxReservationJ);
            Assert.InRange(ledger.ReservedJ, 0, (unanswered * MaxReservationJ) + 0.01);

            // No charge lost: everything a client was told of is in the ledger; it may also hold the charge of
            // a request answered upstream and settled just before its replica died.
            Assert.InRange(ledger.ConsumedJ - charged, -0.01, (unanswered * MaxReservationJ) + 0.01);
            Assert.Contains(results, r => r.Result.Status == 429);
            Assert.Contains(results, r => r.DueS > 4 && r.Result.Status == 200);

            // Only requests already in flight when the replica died may fail; none was refused for a spent
            // budget before it was spent, and none failed a second after the kill.
            Assert.All(results.Where(r => r.Result.Status is not (200 or 429)), r => Assert.InRange(r.DueS, 0, 4));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, program)));
}
