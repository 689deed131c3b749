using System.Diagnostics;
using GreenGateway.Core.Budgets;
using GreenGateway.Redis.Budgets;
using GreenGateway.Redis.Connections;
using GreenGateway.Redis.Tests.Fixtures;
using StackExchange.Redis;

namespace GreenGateway.Redis.Tests.Budgets;

/// <summary>A real redis-server stopped (SHUTDOWN SAVE) and started again under traffic, in both fail modes.</summary>
public sealed class LedgerOutageTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>The gateway's options for the server, reconnecting every 50-500 ms rather than up to 5 s, so that the tests are short.</summary>
    internal static ConfigurationOptions FastOptions(RedisServerFixture server)
    {
        var options = RedisConnectionString.Parse(server.ConnectionString);
        options.AsyncTimeout = 10_000;
        options.ConnectTimeout = 2_000;
        options.ReconnectRetryPolicy = new ExponentialRetry(50, 500);
        return options;
    }

    /// <summary>Connects as the gateway does: a multiplexer that keeps connecting in the background when the server is not up yet.</summary>
    internal static Task<ConnectionMultiplexer> ConnectAsync(RedisServerFixture server) => ConnectionMultiplexer.ConnectAsync(FastOptions(server));

    [Fact]
    public async Task FailOpen_UnderTraffic_AdmitsLocallyDuringTheOutage_AndLosesNoCharge()
    {
        await using var server = new RedisServerFixture();
        await server.StartAsync();
        await using var connection = await ConnectAsync(server);
        await using var ledger = new RedisBudgetLedger(connection, new RedisBudgetLedgerOptions { FailMode = LedgerFailMode.FailOpen, LocalSliceFraction = 1, ReplayInterval = TimeSpan.FromMilliseconds(200) });
        var tenant = "open";
        var now = DateTimeOffset.UtcNow;
        BudgetLimit[] limits = [new(BudgetWindow.Day, 1e9, null)];
        var charged = 0L;
        var admittedWhileDown = 0;
        var refused = 0;
        using var stop = new CancellationTokenSource();

        async Task TrafficAsync(int worker)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var request = new ReserveRequest(tenant, $"w{worker}-{i}", new EnergyCarbon(5, 0), limits, now);
                var outcome = await ledger.ReserveAsync(request, CancellationToken.None);
                if (!outcome.Admitted)
                {
                    Interlocked.Increment(ref refused);
                    continue;
                }

                if (!connection.IsConnected)
                {
                    Interlocked.Increment(ref admittedWhileDown);
                }

                // Whole joules, so that the expected total is exact.
                var actual = 1 + (i % 4);
                await ledger.SettleAsync(outcome.Reservation!, new EnergyCarbon(actual, 0), CancellationToken.None);
                Interlocked.Add(ref charged, actual);
                await Task.Delay(2, CancellationToken.None);
            }
        }

        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(() => TrafficAsync(w), Token)).ToArray();
        await WaitForChargesAsync(() => Interlocked.Read(ref charged), 200);
        await server.StopAsync();
        await Wait.UntilAsync(() => Volatile.Read(ref admittedWhileDown) >= 50);
        await server.StartAsync();
        await Wait.UntilAsync(() => connection.IsConnected);
        var afterRestart = Interlocked.Read(ref charged);
        await WaitForChargesAsync(() => Interlocked.Read(ref charged), afterRestart + 100);
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        await Wait.UntilAsync(() => ledger.JournalLength == 0);

        var day = (await ledger.GetUsageAsync(tenant, now, Token)).Single(u => u.Span.Window == BudgetWindow.Day);
        Assert.Equal(0, refused);
        Assert.Equal(Interlocked.Read(ref charged), day.Consumed.Joules, 6);
        Assert.Equal(0, day.Reserved.Joules, 6);
    }

    [Fact]
    public async Task FailOpen_LocalSlice_RefusesBeyondItsShareOfTheBudget()
    {
        await using var server = new RedisServerFixture();
        await using var connection = await ConnectAsync(server);
        await using var ledger = new RedisBudgetLedger(connection, new RedisBudgetLedgerOptions { FailMode = LedgerFailMode.FailOpen, LocalSliceFraction = 0.25 });
        var now = DateTimeOffset.UtcNow;
        BudgetLimit[] limits = [new(BudgetWindow.Day, 100, null)];
        var admitted = 0;
        for (var i = 0; i < 20; i++)
        {
            var outcome = await ledger.ReserveAsync(new ReserveRequest("slice", $"s{i}", new EnergyCarbon(5, 0), limits, now), Token);
            admitted += outcome.Admitted ? 1 : 0;
        }

        // A quarter of 100 J in 5 J reservations: five admitted, the sixth sees 25 J used and is refused.
        Assert.Equal(5, admitted);
    }

    [Fact]
    public async Task FailOpen_SettleDuringTheOutage_ReleasesTheLocalReservation_SoTheNextReserveIsAdmitted()
    {
        // Never started: Redis is away for the whole test, as in an outage.
        await using var server = new RedisServerFixture();
        await using var connection = await ConnectAsync(server);
        await using var ledger = new RedisBudgetLedger(connection, new RedisBudgetLedgerOptions { FailMode = LedgerFailMode.FailOpen, LocalSliceFraction = 1 });
        var now = DateTimeOffset.UtcNow;
        BudgetLimit[] limits = [new(BudgetWindow.Day, 10, null)];

        var first = await ledger.ReserveAsync(new ReserveRequest("outage", "l1", new EnergyCarbon(10, 0), limits, now), Token);
        var held = await ledger.ReserveAsync(new ReserveRequest("outage", "l2", new EnergyCarbon(1, 0), limits, now), Token);
        await ledger.SettleAsync(first.Reservation!, new EnergyCarbon(3, 0), Token);

        // The 10 J reservation is released and 3 J consumed: 7 J more lands exactly on the limit, and nothing fits after it.
        var next = await ledger.ReserveAsync(new ReserveRequest("outage", "l3", new EnergyCarbon(7, 0), limits, now), Token);
        var full = await ledger.ReserveAsync(new ReserveRequest("outage", "l4", new EnergyCarbon(1, 0), limits, now), Token);

        Assert.True(first.Admitted);
        Assert.False(held.Admitted);
        Assert.True(next.Admitted, "the reservation settled during the outage still holds the local slice");
        Assert.False(full.Admitted);
        Assert.Equal(1, ledger.JournalLength);
    }

    [Fact]
    public async Task FailClosed_WhileDown_RefusesWithTypedError_AndJournalsSettles()
    {
        await using var server = new RedisServerFixture();
        await server.StartAsync();
        await using var connection = await ConnectAsync(server);
        await using var ledger = new RedisBudgetLedger(connection, new RedisBudgetLedgerOptions { FailMode = LedgerFailMode.FailClosed, ReplayInterval = TimeSpan.FromMilliseconds(200) });
        var now = DateTimeOffset.UtcNow;
        var before = await ledger.ReserveAsync(new ReserveRequest("closed", "b1", new EnergyCarbon(4, 0), [], now), Token);
        Assert.True(before.Admitted);

        await server.StopAsync();
        await Wait.UntilAsync(() => !connection.IsConnected);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 10; i++)
        {
            await Assert.ThrowsAsync<BudgetLedgerUnavailableException>(async () =>
                await ledger.ReserveAsync(new ReserveRequest("closed", $"d{i}", new EnergyCarbon(1, 0), [], now), Token));
        }

        await Assert.ThrowsAsync<BudgetLedgerUnavailableException>(async () => await ledger.GetUsageAsync("closed", now, Token));

        // The request admitted before the outage finishes during it: its charge waits in the journal.
        await ledger.SettleAsync(before.Reservation!, new EnergyCarbon(3, 0), Token);
        Assert.Equal(1, ledger.JournalLength);

        await server.StartAsync();
        await Wait.UntilAsync(() => ledger.JournalLength == 0);
        var day = (await ledger.GetUsageAsync("closed", now, Token)).Single(u => u.Span.Window == BudgetWindow.Day);
        Assert.Equal(3, day.Consumed.Joules, 6);
        Assert.Equal(0, day.Reserved.Joules, 6);
        Assert.True((await ledger.ReserveAsync(new ReserveRequest("closed", "after", new EnergyCarbon(1, 0), [], now), Token)).Admitted);
    }

    [Fact]
    public async Task JournalFile_KeepsOutageChargesAcrossAGatewayRestart()
    {
        await using var server = new RedisServerFixture();
        var journal = Path.Combine(Directory.CreateTempSubdirectory("gg-journal-").FullName, "ledger.journal");
        var options = new RedisBudgetLedgerOptions { FailMode = LedgerFailMode.FailOpen, LocalSliceFraction = 1, JournalPath = journal, ReplayInterval = TimeSpan.FromMilliseconds(200) };
        var now = DateTimeOffset.UtcNow;

        // A gateway that runs while Redis is away, charges five requests, and stops before Redis returns.
        await using (var connection = await ConnectAsync(server))
        await using (var ledger = new RedisBudgetLedger(connection, options))
        {
            for (var i = 0; i < 5; i++)
            {
                var outcome = await ledger.ReserveAsync(new ReserveRequest("restart", $"j{i}", new EnergyCarbon(2, 0), [], now), Token);
                await ledger.SettleAsync(outcome.Reservation!, new EnergyCarbon(1 + i, 0.5), Token);
            }

            Assert.Equal(5, ledger.JournalLength);
        }

        // The next gateway on the same journal replays those charges once Redis is up.
        await server.StartAsync();
        await using var next = await ConnectAsync(server);
        await using var restarted = new RedisBudgetLedger(next, options);
        await Wait.UntilAsync(() => restarted.JournalLength == 0);
        var day = (await restarted.GetUsageAsync("restart", now, Token)).Single(u => u.Span.Window == BudgetWindow.Day);
        Assert.Equal(15, day.Consumed.Joules, 6);
        Assert.Equal(2.5, day.Consumed.GramsCo2e, 6);
        await Wait.UntilAsync(() => new FileInfo(journal).Length == 0);
        Directory.Delete(Path.GetDirectoryName(journal)!, recursive: true);
    }

    private static async Task WaitForChargesAsync(Func<long> charged, long atLeast) =>
        await Wait.UntilAsync(() => charged() >= atLeast, 120);
}
