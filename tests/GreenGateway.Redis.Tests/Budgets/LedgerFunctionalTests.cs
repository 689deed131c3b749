using FsCheck;
using FsCheck.Fluent;
using GreenGateway.Core.Budgets;
using GreenGateway.Redis.Budgets;
using GreenGateway.Redis.Tests.Fixtures;
using StackExchange.Redis;

namespace GreenGateway.Redis.Tests.Budgets;

/// <summary>The Redis ledger against the embedded one's semantics, and two replicas sharing one budget; run per server kind (redis-server, garnet-server, a three-node cluster).</summary>
public abstract class LedgerFunctionalTests(IRespServerFixture server) : IAsyncLifetime
{
    private readonly string _tenant = $"t-{Guid.NewGuid():N}";
    private ConnectionMultiplexer? _connection;
    private RedisBudgetLedger? _ledger;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private RedisBudgetLedger Ledger => _ledger!;

    public async ValueTask InitializeAsync()
    {
        _connection = await server.ConnectAsync();
        _ledger = new RedisBudgetLedger(_connection, new RedisBudgetLedgerOptions { FailMode = LedgerFailMode.FailClosed });
    }

    public async ValueTask DisposeAsync()
    {
        await _ledger!.DisposeAsync();
        await _connection!.DisposeAsync();
    }

    [Fact]
    public async Task Reserve_WhenDayBudgetSpent_IsRefusedUntilTheDayEnds()
    {
        var now = DateTimeOffset.UtcNow;
        BudgetLimit[] limits = [new(BudgetWindow.Day, 10, null)];
        var first = await Ledger.ReserveAsync(new ReserveRequest(_tenant, "r1", new EnergyCarbon(6, 0), limits, now), Token);
        var second = await Ledger.ReserveAsync(new ReserveRequest(_tenant, "r2", new EnergyCarbon(6, 0), limits, now), Token);
        var third = await Ledger.ReserveAsync(new ReserveRequest(_tenant, "r3", new EnergyCarbon(1, 0), limits, now), Token);

        Assert.True(first.Admitted);
        Assert.True(second.Admitted);
        Assert.False(third.Admitted);
        Assert.Equal(BudgetWindow.Day, third.SpentWindow);
        Assert.Equal(WindowSpan.Containing(BudgetWindow.Day, now).End, third.RetryAt);
    }

    [Fact]
    public async Task ReservationLandingExactlyOnTheLimit_IsAdmitted_AndOneMoreJouleIsRefused()
    {
        var now = DateTimeOffset.UtcNow;
        BudgetLimit[] limits = [new(BudgetWindow.Hour, 10, null)];
        var embedded = new InMemoryBudgetLedger();
        foreach (var ledger in new IBudgetLedger[] { embedded, Ledger })
        {
            var first = await ledger.ReserveAsync(new ReserveRequest(_tenant, "e1", new EnergyCarbon(6, 0), limits, now), Token);
            var exact = await ledger.ReserveAsync(new ReserveRequest(_tenant, "e2", new EnergyCarbon(4, 0), limits, now), Token);
            var oneMore = await ledger.ReserveAsync(new ReserveRequest(_tenant, "e3", new EnergyCarbon(1, 0), limits, now), Token);

            Assert.True(first.Admitted);
            Assert.True(exact.Admitted);
            Assert.False(oneMore.Admitted);
            Assert.Equal(BudgetWindow.Hour, oneMore.SpentWindow);
            var hour = (await ledger.GetUsageAsync(_tenant, now, Token)).Single(u => u.Span.Window == BudgetWindow.Hour);
            Assert.Equal(10, hour.Reserved.Joules, 9);
        }
    }

    [Fact]
    public async Task TwoLimitsOnOneWindow_TheTighterDecides_AsInTheEmbeddedLedger()
    {
        var now = DateTimeOffset.UtcNow;
        BudgetLimit[] limits = [new(BudgetWindow.Hour, 20, 3), new(BudgetWindow.Hour, 10, 1)];
        var embedded = new InMemoryBudgetLedger();
        foreach (var ledger in new IBudgetLedger[] { embedded, Ledger })
        {
            // Joules: 10 J reaches the tighter 10 J limit. Grams, for another tenant: 1 g reaches the tighter 1 g.
            var joules = await ledger.ReserveAsync(new ReserveRequest(_tenant + "-j", "two-j1", new EnergyCarbon(10, 0), limits, now), Token);
            var afterJoules = await ledger.ReserveAsync(new ReserveRequest(_tenant + "-j", "two-j2", new EnergyCarbon(1, 0), limits, now), Token);
            var grams = await ledger.ReserveAsync(new ReserveRequest(_tenant + "-g", "two-g1", new EnergyCarbon(1, 1), limits, now), Token);
            var afterGrams = await ledger.ReserveAsync(new ReserveRequest(_tenant + "-g", "two-g2", new EnergyCarbon(1, 0), limits, now), Token);

            Assert.True(joules.Admitted);
            Assert.Equal(BudgetWindow.Hour, afterJoules.SpentWindow);
            Assert.True(grams.Admitted);
            Assert.Equal(BudgetWindow.Hour, afterGrams.SpentWindow);
        }
    }

    [Fact]
    public async Task ReserveRetriedWithTheSameRequestId_IsAdmittedOnce_AndDoesNotReserveTwice()
    {
        var now = DateTimeOffset.UtcNow;
        BudgetLimit[] limits = [new(BudgetWindow.Day, 8, null)];
        var request = new ReserveRequest(_tenant, "retried", new EnergyCarbon(5, 0.5), limits, now);

        var first = await Ledger.ReserveAsync(request, Token);
        var retried = await Ledger.ReserveAsync(request, Token);
        var usage = (await Ledger.GetUsageAsync(_tenant, now, Token)).Single(u => u.Span.Window == BudgetWindow.Day);

        // Reserving twice would have left 10 J reserved and refused the retry against the 8 J limit.
        Assert.True(first.Admitted);
        Assert.True(retried.Admitted);
        Assert.Equal(5, usage.Reserved.Joules, 9);
        Assert.Equal(0.5, usage.Reserved.GramsCo2e, 9);

        await Ledger.SettleAsync(retried.Reservation!, new EnergyCarbon(4, 0.25), Token);
        usage = (await Ledger.GetUsageAsync(_tenant, now, Token)).Single(u => u.Span.Window == BudgetWindow.Day);
        Assert.Equal(0, usage.Reserved.Joules, 9);
        Assert.Equal(4, usage.Consumed.Joules, 9);
    }

    [Fact]
    public async Task ReserveArrivingAfterItsSettle_ReservesNothing()
    {
        // A reserve the client library sends again after a reconnect can reach Redis after the request has settled
        // (its first reply was lost and it went on): no settle will come for what it would reserve.
        var now = DateTimeOffset.UtcNow;
        BudgetLimit[] limits = [new(BudgetWindow.Month, 100, null)];
        var request = new ReserveRequest(_tenant, "late", new EnergyCarbon(5, 0.5), limits, now);
        var first = await Ledger.ReserveAsync(request, Token);
        await Ledger.SettleAsync(first.Reservation!, new EnergyCarbon(4, 0.25), Token);

        var late = await Ledger.ReserveAsync(request, Token);
        await Ledger.SettleAsync(late.Reservation!, new EnergyCarbon(4, 0.25), Token);

        Assert.True(late.Admitted);
        foreach (var usage in await Ledger.GetUsageAsync(_tenant, now, Token))
        {
            Assert.Equal(0, usage.Reserved.Joules, 9);
            Assert.Equal(0, usage.Reserved.GramsCo2e, 9);
            Assert.Equal(4, usage.Consumed.Joules, 9); // settled once
        }
    }

    [Fact]
    public async Task ScriptCacheFlushed_ReserveAndSettleStillRun()
    {
        var now = DateTimeOffset.UtcNow;
        var before = await Ledger.ReserveAsync(new ReserveRequest(_tenant, "f1", new EnergyCarbon(1, 0), [], now), Token);
        foreach (var endpoint in _connection!.GetEndPoints())
        {
            // As after a restart or a failover: the server no longer knows the scripts' SHA-1.
            await _connection.GetServer(endpoint).ExecuteAsync("SCRIPT", "FLUSH");
        }

        var after = await Ledger.ReserveAsync(new ReserveRequest(_tenant, "f2", new EnergyCarbon(2, 0), [], now), Token);
        await Ledger.SettleAsync(before.Reservation!, new EnergyCarbon(1, 0), Token);
        await Ledger.SettleAsync(after.Reservation!, new EnergyCarbon(2, 0), Token);

        var day = (await Ledger.GetUsageAsync(_tenant, now, Token)).Single(u => u.Span.Window == BudgetWindow.Day);
        Assert.True(after.Admitted);
        Assert.Equal(3, day.Consumed.Joules, 9);
        Assert.Equal(0, day.Reserved.Joules, 9);
    }

    [Fact]
    public async Task Settle_ReplacesTheReservation_AndASecondSettleChangesNothing()
    {
        var now = DateTimeOffset.UtcNow;
        var outcome = await Ledger.ReserveAsync(new ReserveRequest(_tenant, "s1", new EnergyCarbon(5, 0.5), [], now), Token);
        await Ledger.SettleAsync(outcome.Reservation!, new EnergyCarbon(3, 0.25), Token);
        await Ledger.SettleAsync(outcome.Reservation!, new EnergyCarbon(3, 0.25), Token);

        var usage = await Ledger.GetUsageAsync(_tenant, now, Token);
        Assert.Equal(4, usage.Count);
        foreach (var window in usage)
        {
            Assert.Equal(3, window.Consumed.Joules, 6);
            Assert.Equal(0.25, window.Consumed.GramsCo2e, 6);
            Assert.Equal(0, window.Reserved.Joules, 6);
            Assert.Equal(0, window.Reserved.GramsCo2e, 6);
        }
    }

    [Fact]
    public async Task RandomSequence_MatchesTheEmbeddedLedger()
    {
        var embedded = new InMemoryBudgetLedger();
        var random = new Random(1234);
        var now = DateTimeOffset.UtcNow;
        BudgetLimit[] limits = [new(BudgetWindow.Hour, 50, 5), new(BudgetWindow.Month, null, 4)];
        var open = new List<Reservation>();
        for (var i = 0; i < 150; i++)
        {
            if (open.Count > 0 && random.NextDouble() < 0.45)
            {
                var index = random.Next(open.Count);
                var reservation = open[index];
                open.RemoveAt(index);
                var actual = new EnergyCarbon(Math.Round(random.NextDouble() * 64) / 8, Math.Round(random.NextDouble() * 40) / 64);
                await embedded.SettleAsync(reservation, actual, Token);
                await Ledger.SettleAsync(reservation, actual, Token);
                continue;
            }

            var request = new ReserveRequest(_tenant, $"q{i}", new EnergyCarbon(Math.Round(random.NextDouble() * 48) / 8, Math.Round(random.NextDouble() * 32) / 64), limits, now);
            var expected = await embedded.ReserveAsync(request, Token);
            var actualOutcome = await Ledger.ReserveAsync(request, Token);
            Assert.Equal(expected.Admitted, actualOutcome.Admitted);
            Assert.Equal(expected.SpentWindow, actualOutcome.SpentWindow);
            if (actualOutcome.Admitted)
            {
                open.Add(actualOutcome.Reservation!);
            }
        }

        var want = await embedded.GetUsageAsync(_tenant, now, Token);
        var got = await Ledger.GetUsageAsync(_tenant, now, Token);
        for (var w = 0; w < want.Count; w++)
        {
            Assert.Equal(want[w].Consumed.Joules, got[w].Consumed.Joules, 5);
            Assert.Equal(want[w].Consumed.GramsCo2e, got[w].Consumed.GramsCo2e, 5);
            Assert.Equal(want[w].Reserved.Joules, got[w].Reserved.Joules, 5);
            Assert.Equal(want[w].Reserved.GramsCo2e, got[w].Reserved.GramsCo2e, 5);
        }
    }

    [Theory]
    [InlineData(BudgetWindow.Day, BudgetWindow.Hour, BudgetWindow.Month)]
    [InlineData(BudgetWindow.Month, BudgetWindow.Day, BudgetWindow.Hour)]
    [InlineData(BudgetWindow.Hour, BudgetWindow.Month, BudgetWindow.Day)]
    public async Task WindowsEndingTogether_RefuseWithTheLimitListedFirst_AsTheEmbeddedLedgerDoes(BudgetWindow first, BudgetWindow second, BudgetWindow third)
    {
        // 23:30 on the last day of a month: the hour, the day and the month all end at midnight.
        var now = new DateTimeOffset(2026, 3, 31, 23, 30, 0, TimeSpan.Zero);
        BudgetLimit[] limits = [new(first, 1, null), new(second, 1, null), new(third, 1, null)];
        var embedded = new InMemoryBudgetLedger();
        foreach (var ledger in new IBudgetLedger[] { embedded, Ledger })
        {
            Assert.True((await ledger.ReserveAsync(new ReserveRequest(_tenant + "-tie", "t1", new EnergyCarbon(2, 0), limits, now), Token)).Admitted);
        }

        var want = await embedded.ReserveAsync(new ReserveRequest(_tenant + "-tie", "t2", new EnergyCarbon(1, 0), limits, now), Token);
        var got = await Ledger.ReserveAsync(new ReserveRequest(_tenant + "-tie", "t2", new EnergyCarbon(1, 0), limits, now), Token);
        Assert.Equal(first, want.SpentWindow);
        Assert.Equal(want.SpentWindow, got.SpentWindow);
        Assert.Equal(want.RetryAt, got.RetryAt);
    }

    [Fact]
    public async Task GeneratedOperationSequences_AgreeWithTheEmbeddedLedger_IncludingRepeatedSettles()
    {
        // Kind 0..5: reserve (0-2), settle an open reservation (3-4), settle an already settled one again (5).
        // Quantities are binary fractions (halves, grams in sixteenths), so that both ledgers' sums are exact and a
        // comparison with a limit cannot come out differently through rounding alone.
        var operation = Gen.Choose(0, 5).SelectMany(kind => Gen.Choose(0, 20).SelectMany(est => Gen.Choose(0, 20).SelectMany(act =>
            Gen.Choose(0, 1000).Select(pick => (Kind: kind, Estimate: est / 2.0, Actual: act / 2.0, Pick: pick)))));
        var sequences = Gen.Choose(5, 40).SelectMany(n => Gen.ArrayOf(operation, n)).Sample(25);
        BudgetLimit[] limits = [new(BudgetWindow.Hour, 30, null), new(BudgetWindow.Day, null, 3)];
        var now = DateTimeOffset.UtcNow;
        var sequenceNumber = 0;
        foreach (var sequence in sequences)
        {
            var tenant = $"{_tenant}-g{sequenceNumber++}";
            var embedded = new InMemoryBudgetLedger();
            var open = new List<Reservation>();
            var settled = new List<Reservation>();
            for (var i = 0; i < sequence.Length; i++)
            {
                var (kind, estimate, actual, pick) = sequence[i];
                if (kind <= 2 || (kind <= 4 && open.Count == 0) || (kind == 5 && settled.Count == 0))
                {
                    var request = new ReserveRequest(tenant, $"o{i}", new EnergyCarbon(estimate, estimate / 8), limits, now);
                    var want = await embedded.ReserveAsync(request, Token);
                    var got = await Ledger.ReserveAsync(request, Token);
                    Assert.Equal(want.SpentWindow, got.SpentWindow);
                    if (got.Admitted)
                    {
                        open.Add(got.Reservation!);
                    }

                    continue;
                }

                var list = kind == 5 ? settled : open;
                var reservation = list[pick % list.Count];
                var charge = new EnergyCarbon(actual, actual / 8);
                await embedded.SettleAsync(reservation, charge, Token);
                await Ledger.SettleAsync(reservation, charge, Token);
                if (kind != 5)
                {
                    open.Remove(reservation);
                    settled.Add(reservation);
                }
            }

            var expected = await embedded.GetUsageAsync(tenant, now, Token);
            var actualUsage = await Ledger.GetUsageAsync(tenant, now, Token);
            for (var w = 0; w < expected.Count; w++)
            {
                Assert.Equal(expected[w].Consumed.Joules, actualUsage[w].Consumed.Joules, 5);
                Assert.Equal(expected[w].Consumed.GramsCo2e, actualUsage[w].Consumed.GramsCo2e, 5);
                Assert.Equal(expected[w].Reserved.Joules, actualUsage[w].Reserved.Joules, 5);
                Assert.Equal(expected[w].Reserved.GramsCo2e, actualUsage[w].Reserved.GramsCo2e, 5);
            }
        }
    }

    [Fact]
    public async Task TwoReplicas_ManyConcurrentReservations_NeverExceedBudgetByMoreThanTheLargestReservation()
    {
        const double budget = 100;
        const double largest = 10;
        await using var connectionB = await server.ConnectAsync();
        await using var replicaB = new RedisBudgetLedger(connectionB, new RedisBudgetLedgerOptions { FailMode = LedgerFailMode.FailClosed });
        var replicas = new IBudgetLedger[] { Ledger, replicaB };
        var now = DateTimeOffset.UtcNow;
        BudgetLimit[] limits = [new(BudgetWindow.Day, budget, null)];
        var random = new Random(42);
        var estimates = new double[600];
        for (var i = 0; i < estimates.Length; i++)
        {
            estimates[i] = i % 50 == 0 ? largest : Math.Round(0.5 + (random.NextDouble() * 9), 3);
        }

        var admitted = new double[estimates.Length];
        await Parallel.ForAsync(0, estimates.Length, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = Token }, async (i, ct) =>
        {
            var request = new ReserveRequest(_tenant, $"c{i}", new EnergyCarbon(estimates[i], 0), limits, now);
            var outcome = await replicas[i % 2].ReserveAsync(request, ct);
            if (outcome.Admitted)
            {
                admitted[i] = estimates[i];

                // Settle for less than reserved, as a real request mostly does.
                await replicas[(i + 1) % 2].SettleAsync(outcome.Reservation!, new EnergyCarbon(estimates[i] * 0.75, 0), ct);
            }
        });

        var total = admitted.Sum();
        var usage = await Ledger.GetUsageAsync(_tenant, now, Token);
        var day = usage.Single(u => u.Span.Window == BudgetWindow.Day);
        Assert.True(total * 0.75 >= budget * 0.75 - largest, $"admitted {total} J, far below the {budget} J budget");
        Assert.True(day.Consumed.Joules + day.Reserved.Joules <= budget + largest, $"used {day.Consumed.Joules + day.Reserved.Joules} J of a {budget} J budget");
        Assert.InRange(day.Consumed.Joules, (total * 0.75) - 1e-6, (total * 0.75) + 1e-6);
        Assert.Equal(0, day.Reserved.Joules, 6);
    }

    [Fact]
    public async Task ConcurrentReservations_WithoutSettling_AdmitAtMostBudgetPlusLargest()
    {
        const double budget = 40;
        await using var connectionB = await server.ConnectAsync();
        await using var replicaB = new RedisBudgetLedger(connectionB, new RedisBudgetLedgerOptions { FailMode = LedgerFailMode.FailClosed });
        var replicas = new IBudgetLedger[] { Ledger, replicaB };
        var now = DateTimeOffset.UtcNow;
        BudgetLimit[] limits = [new(BudgetWindow.Hour, budget, null)];
        var admitted = new double[300];
        await Parallel.ForAsync(0, admitted.Length, new ParallelOptions { MaxDegreeOfParallelism = 48, CancellationToken = Token }, async (i, ct) =>
        {
            var estimate = 1 + (i % 7);
            var outcome = await replicas[i % 2].ReserveAsync(new ReserveRequest(_tenant, $"n{i}", new EnergyCarbon(estimate, 0), limits, now), ct);
            admitted[i] = outcome.Admitted ? estimate : 0;
        });

        var total = admitted.Sum();
        Assert.InRange(total, budget, budget + 7);
    }
}

public sealed class RedisServerLedgerTests(RedisServerFixture server) : LedgerFunctionalTests(server);

public sealed class GarnetLedgerTests(GarnetServerFixture server) : LedgerFunctionalTests(server);

public sealed class ClusterLedgerTests(RedisClusterFixture cluster) : LedgerFunctionalTests(cluster);
