using GreenGateway.Core.Tests.Support;

namespace GreenGateway.Core.Budgets.Tests;

public sealed class InMemoryBudgetLedgerTests
{
    private const string Tenant = "acme";

    private readonly InMemoryBudgetLedger _ledger = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 21, 10, 0, 30, TimeSpan.Zero));
    private int _requests;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reserve_WhileConsumedPlusReservedIsBelowLimit_Admits()
    {
        BudgetLimit[] limits = [new(BudgetWindow.Minute, EnergyJoules: 100, CarbonGrams: null)];

        // 0, 40 and 80 J are below 100 J: all three admitted, although the third takes the total to 120 J.
        for (var i = 0; i < 3; i++)
        {
            var outcome = await Reserve(Joules(40), limits);
            Assert.True(outcome.Admitted, $"request {i} refused");
            Assert.Null(outcome.SpentWindow);
            Assert.Null(outcome.RetryAt);
        }

        var refused = await Reserve(Joules(40), limits);
        Assert.False(refused.Admitted);
    }

    [Fact]
    public async Task Reserve_WhenBudgetSpent_RefusesUntilWindowEnd()
    {
        BudgetLimit[] limits = [new(BudgetWindow.Minute, EnergyJoules: 100, CarbonGrams: null)];
        await Settle(await Reserve(Joules(100), limits), Joules(100));

        var outcome = await Reserve(Joules(1), limits);

        Assert.False(outcome.Admitted);
        Assert.Null(outcome.Reservation);
        Assert.Equal(BudgetWindow.Minute, outcome.SpentWindow);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 10, 1, 0, TimeSpan.Zero), outcome.RetryAt);
    }

    [Fact]
    public async Task Reserve_AtTheRetryTime_AdmitsAgain()
    {
        BudgetLimit[] limits = [new(BudgetWindow.Minute, EnergyJoules: 100, CarbonGrams: null)];
        await Settle(await Reserve(Joules(100), limits), Joules(100));
        var refused = await Reserve(Joules(1), limits);

        _clock.SetUtcNow(refused.RetryAt!.Value);
        var outcome = await Reserve(Joules(1), limits);

        Assert.True(outcome.Admitted);
    }

    [Fact]
    public async Task Reserve_OneTickBeforeTheWindowEnds_StillRefuses()
    {
        BudgetLimit[] limits = [new(BudgetWindow.Minute, EnergyJoules: 100, CarbonGrams: null)];
        await Settle(await Reserve(Joules(100), limits), Joules(100));

        _clock.SetUtcNow(new DateTimeOffset(2026, 11, 21, 10, 0, 59, 999, TimeSpan.Zero));
        var outcome = await Reserve(Joules(1), limits);

        Assert.False(outcome.Admitted);
    }

    [Fact]
    public async Task Reserve_WhenDaySpentButMinuteNot_RefusesUntilTheDayEnds()
    {
        BudgetLimit[] limits =
        [
            new(BudgetWindow.Minute, EnergyJoules: 1000, CarbonGrams: null),
            new(BudgetWindow.Day, EnergyJoules: 300, CarbonGrams: null),
        ];
        await Settle(await Reserve(Joules(300), limits), Joules(300));

        _clock.Advance(TimeSpan.FromHours(3));
        var outcome = await Reserve(Joules(1), limits);

        Assert.False(outcome.Admitted);
        Assert.Equal(BudgetWindow.Day, outcome.SpentWindow);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero), outcome.RetryAt);
    }

    [Fact]
    public async Task Reserve_WhenSeveralWindowsSpent_RetryAtIsTheLatestEnd()
    {
        // Retrying when the minute resets would still find the day spent.
        BudgetLimit[] limits =
        [
            new(BudgetWindow.Minute, EnergyJoules: 100, CarbonGrams: null),
            new(BudgetWindow.Day, EnergyJoules: 100, CarbonGrams: null),
            new(BudgetWindow.Hour, EnergyJoules: 100, CarbonGrams: null),
        ];
        await Settle(await Reserve(Joules(100), limits), Joules(100));

        var outcome = await Reserve(Joules(1), limits);

        Assert.False(outcome.Admitted);
        Assert.Equal(BudgetWindow.Day, outcome.SpentWindow);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero), outcome.RetryAt);
    }

    [Fact]
    public async Task Reserve_WithCarbonLimit_RefusesOnceTheGramsAreSpent()
    {
        BudgetLimit[] limits = [new(BudgetWindow.Hour, EnergyJoules: null, CarbonGrams: 2)];
        await Settle(await Reserve(new EnergyCarbon(1_000_000, 1.5), limits), new EnergyCarbon(1_000_000, 1.5));
        Assert.True((await Reserve(new EnergyCarbon(1, 0.1), limits)).Admitted);
        await Settle(await Reserve(new EnergyCarbon(1, 1), limits), new EnergyCarbon(1, 1));

        var outcome = await Reserve(new EnergyCarbon(1, 0.1), limits);

        Assert.False(outcome.Admitted);
        Assert.Equal(BudgetWindow.Hour, outcome.SpentWindow);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 11, 0, 0, TimeSpan.Zero), outcome.RetryAt);
    }

    [Fact]
    public async Task Reserve_WithoutLimits_AlwaysAdmitsAndStillTracksUsage()
    {
        for (var i = 0; i < 5; i++)
        {
            await Settle(await Reserve(Joules(1e9), []), Joules(1e9));
        }

        var usage = await _ledger.GetUsageAsync(Tenant, _clock.Now, Ct);

        Assert.All(usage, u => Assert.Equal(5e9, u.Consumed.Joules));
    }

    [Fact]
    public async Task Reserve_ForOneTenant_DoesNotSpendAnother()
    {
        BudgetLimit[] limits = [new(BudgetWindow.Day, EnergyJoules: 10, CarbonGrams: null)];
        await Settle(await Reserve(Joules(10), limits), Joules(10));

        var other = await _ledger.ReserveAsync(new ReserveRequest("beta", "b-1", Joules(1), limits, _clock.Now), Ct);

        Assert.True(other.Admitted);
        Assert.False((await Reserve(Joules(1), limits)).Admitted);
    }

    [Fact]
    public async Task Settle_ReplacesTheReservationByTheActualFigureInEveryWindow()
    {
        var outcome = await Reserve(new EnergyCarbon(50, 5), []);

        await Settle(outcome, new EnergyCarbon(20, 2));
        var usage = await _ledger.GetUsageAsync(Tenant, _clock.Now, Ct);

        Assert.Equal(4, usage.Count);
        Assert.All(usage, u =>
        {
            Assert.Equal(new EnergyCarbon(20, 2), u.Consumed);
            Assert.Equal(EnergyCarbon.Zero, u.Reserved);
        });
    }

    [Fact]
    public async Task Settle_OfAnUnderestimate_ChargesTheActualFigure()
    {
        BudgetLimit[] limits = [new(BudgetWindow.Minute, EnergyJoules: 100, CarbonGrams: null)];

        await Settle(await Reserve(Joules(10), limits), Joules(150));

        Assert.False((await Reserve(Joules(1), limits)).Admitted);
        Assert.Equal(150, (await _ledger.GetUsageAsync(Tenant, _clock.Now, Ct))[0].Consumed.Joules);
    }

    [Fact]
    public async Task Settle_TwiceWithTheSameRequestId_ChangesNothing()
    {
        var outcome = await Reserve(Joules(50), []);
        await Reserve(Joules(30), []);

        await Settle(outcome, Joules(20));
        await Settle(outcome, Joules(20));
        await Settle(outcome, Joules(999));
        var minute = (await _ledger.GetUsageAsync(Tenant, _clock.Now, Ct))[0];

        Assert.Equal(20, minute.Consumed.Joules);
        Assert.Equal(30, minute.Reserved.Joules);
    }

    [Fact]
    public async Task Reserve_RetriedWithTheSameRequestId_IsAdmittedOnce_AndReservesNothingMore()
    {
        BudgetLimit[] limits = [new(BudgetWindow.Minute, EnergyJoules: 8, CarbonGrams: null)];
        var request = new ReserveRequest(Tenant, "retried", new EnergyCarbon(5, 0.5), limits, _clock.Now);

        var first = await _ledger.ReserveAsync(request, Ct);
        var retried = await _ledger.ReserveAsync(request, Ct);
        var minute = (await _ledger.GetUsageAsync(Tenant, _clock.Now, Ct))[0];

        // As the Redis ledger: reserving twice would hold 10 J against the 8 J limit.
        Assert.True(first.Admitted);
        Assert.True(retried.Admitted);
        Assert.Equal(5, minute.Reserved.Joules);

        await _ledger.SettleAsync(retried.Reservation!, new EnergyCarbon(4, 0.25), Ct);
        minute = (await _ledger.GetUsageAsync(Tenant, _clock.Now, Ct))[0];
        Assert.Equal(0, minute.Reserved.Joules);
        Assert.Equal(4, minute.Consumed.Joules);
        Assert.True((await Reserve(Joules(3), limits)).Admitted);
    }

    [Fact]
    public async Task Settle_OfAFailedRequestWithZero_ReleasesTheReservation()
    {
        BudgetLimit[] limits = [new(BudgetWindow.Minute, EnergyJoules: 100, CarbonGrams: null)];
        var failed = await Reserve(Joules(100), limits);
        Assert.False((await Reserve(Joules(1), limits)).Admitted);

        await Settle(failed, EnergyCarbon.Zero);

        Assert.True((await Reserve(Joules(1), limits)).Admitted);
        var minute = (await _ledger.GetUsageAsync(Tenant, _clock.Now, Ct))[0];
        Assert.Equal(0, minute.Consumed.Joules);
        Assert.Equal(1, minute.Reserved.Joules);
    }

    [Fact]
    public async Task Settle_AfterTheMinuteEnded_ChargesTheWindowsTheReservationWasMadeIn()
    {
        var outcome = await Reserve(Joules(50), []);

        _clock.Advance(TimeSpan.FromMinutes(2));
        await Settle(outcome, Joules(30));
        var usage = await _ledger.GetUsageAsync(Tenant, _clock.Now, Ct);

        Assert.Equal(EnergyCarbon.Zero, usage[0].Consumed);
        Assert.Equal(EnergyCarbon.Zero, usage[0].Reserved);
        Assert.Equal(30, usage[1].Consumed.Joules);
        Assert.Equal(0, usage[1].Reserved.Joules);
    }

    [Fact]
    public async Task GetUsage_ReportsAllFourWindowsContainingNow()
    {
        await Settle(await Reserve(Joules(70), []), Joules(70));
        await Reserve(new EnergyCarbon(5, 0.5), []);

        var usage = await _ledger.GetUsageAsync(Tenant, _clock.Now, Ct);

        Assert.Equal(WindowSpan.All, usage.Select(u => u.Span.Window));
        Assert.Equal(WindowSpan.All.Select(w => WindowSpan.Containing(w, _clock.Now)), usage.Select(u => u.Span));
        Assert.All(usage, u =>
        {
            Assert.Equal(new EnergyCarbon(70, 0), u.Consumed);
            Assert.Equal(new EnergyCarbon(5, 0.5), u.Reserved);
        });
    }

    [Fact]
    public async Task GetUsage_InALaterMinute_ShowsTheMinuteEmptyAndTheLongerWindowsKept()
    {
        await Settle(await Reserve(Joules(70), []), Joules(70));

        _clock.Advance(TimeSpan.FromMinutes(1));
        var usage = await _ledger.GetUsageAsync(Tenant, _clock.Now, Ct);

        Assert.Equal(new DateTimeOffset(2026, 11, 21, 10, 1, 0, TimeSpan.Zero), usage[0].Span.Start);
        Assert.Equal(0, usage[0].Consumed.Joules);
        Assert.Equal([70.0, 70.0, 70.0], usage.Skip(1).Select(u => u.Consumed.Joules));
    }

    [Fact]
    public async Task GetUsage_ForAnUnknownTenant_IsZeroInEveryWindow()
    {
        var usage = await _ledger.GetUsageAsync("nobody", _clock.Now, Ct);

        Assert.Equal(4, usage.Count);
        Assert.All(usage, u => Assert.Equal(EnergyCarbon.Zero, u.Consumed + u.Reserved));
    }

    [Fact]
    public async Task Reserve_FromManyThreadsAtOnce_AdmitsAtMostTheLimitPlusTheLargestReservation()
    {
        const double Limit = 1000;
        const double Largest = 50;
        BudgetLimit[] limits = [new(BudgetWindow.Hour, EnergyJoules: Limit, CarbonGrams: null)];
        var now = _clock.Now;
        var admitted = new double[8];
        using var start = new Barrier(admitted.Length);

        var threads = Enumerable.Range(0, admitted.Length).Select(t => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait(Ct);
                for (var i = 0; i < 200; i++)
                {
                    var joules = 1 + ((t * 200 + i) * 7919 % (int)Largest);
                    var request = new ReserveRequest(Tenant, $"{t}-{i}", Joules(joules), limits, now);
                    var outcome = _ledger.ReserveAsync(request, Ct).AsTask().GetAwaiter().GetResult();
                    if (outcome.Admitted)
                    {
                        admitted[t] += joules;
                    }
                }
            },
            Ct,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        await Task.WhenAll(threads);

        // 8 x 200 requests of 1..50 J offer far more than the limit: the budget is used, and overshot
        // by less than one reservation at most.
        var total = admitted.Sum();
        Assert.InRange(total, Limit, Limit + Largest);
        var hour = (await _ledger.GetUsageAsync(Tenant, now, Ct))[1];
        Assert.Equal(total, hour.Reserved.Joules, precision: 6);
    }

    private static EnergyCarbon Joules(double joules) => new(joules, 0);

    private ValueTask<ReserveOutcome> Reserve(EnergyCarbon estimate, IReadOnlyList<BudgetLimit> limits) =>
        _ledger.ReserveAsync(new ReserveRequest(Tenant, $"req-{++_requests}", estimate, limits, _clock.Now), Ct);

    private ValueTask Settle(ReserveOutcome outcome, EnergyCarbon actual)
    {
        Assert.True(outcome.Admitted, "expected the reservation to be admitted");
        return _ledger.SettleAsync(outcome.Reservation!, actual, Ct);
    }
}
