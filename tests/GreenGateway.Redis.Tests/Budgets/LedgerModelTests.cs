using FsCheck;
using FsCheck.Fluent;
using GreenGateway.Core.Budgets;
using GreenGateway.Redis.Budgets;
using GreenGateway.Redis.Connections;
using GreenGateway.Redis.Tests.Fixtures;
using StackExchange.Redis;

namespace GreenGateway.Redis.Tests.Budgets;

/// <summary>
/// The Redis ledger (fail-open) against a model built of embedded ledgers, on generated operation sequences made to land
/// exactly on limits, retry reserves and settle during outages. The outage is real: the link to the server (redis-server,
/// garnet-server) runs through an <see cref="OutageProxy"/> that the sequence cuts and restores.
/// </summary>
/// <remarks>
/// The model is what the Redis ledger promises: while Redis is reachable it is one embedded ledger shared by all replicas
/// (<see cref="LedgerModel.Shared"/>); while it is not, a second one (<see cref="LedgerModel.Local"/>) admits against the
/// local slice of each limit; a settle releases the reservation where it was made (in both when a retried reserve made it
/// in both), and every charge reaches the shared one, once.
/// </remarks>
public abstract class LedgerModelTests(IRespServerFixture server) : IAsyncLifetime
{
    private const double Slice = 0.5;
    private readonly string _tenant = $"m-{Guid.NewGuid():N}";
    private OutageProxy? _proxy;
    private ConnectionMultiplexer? _connection;
    private RedisBudgetLedger? _ledger;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private enum Op
    {
        Reserve,
        ReserveExactlyTheRest,
        RetryReserve,
        Settle,
        SettleAgain,
        ToggleOutage,
    }

    public async ValueTask InitializeAsync()
    {
        _proxy = new OutageProxy(server.Port);
        var options = RedisConnectionString.Parse($"redis://127.0.0.1:{_proxy.Port}");
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 2_000;
        options.AsyncTimeout = 10_000;
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
        options.ReconnectRetryPolicy = new LinearRetry(50);
        _connection = await ConnectionMultiplexer.ConnectAsync(options);
        await Wait.UntilAsync(() => _connection.IsConnected);
        _ledger = new RedisBudgetLedger(_connection, new RedisBudgetLedgerOptions
        {
            FailMode = LedgerFailMode.FailOpen,
            LocalSliceFraction = Slice,
            ReplayInterval = TimeSpan.FromMilliseconds(100),
        });
    }

    public async ValueTask DisposeAsync()
    {
        _proxy!.Restore();
        await _ledger!.DisposeAsync();
        await _connection!.DisposeAsync();
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task GeneratedSequences_HittingLimitsExactly_RetryingReserves_AndSettlingDuringOutages_AgreeWithTheModel()
    {
        // Quantities are binary fractions (halves of a joule, grams an eighth of that), so that every sum is exact in
        // both ledgers and a comparison with a limit cannot come out differently through rounding alone. Either the
        // joule limit binds (30 J an hour, 4 g a day = 32 J) or the gram limit does (40 J, 3 g = 24 J).
        var operation =
            from kind in Gen.Frequency((5, Gen.Constant(Op.Reserve)), (3, Gen.Constant(Op.ReserveExactlyTheRest)), (2, Gen.Constant(Op.RetryReserve)),
                (4, Gen.Constant(Op.Settle)), (1, Gen.Constant(Op.SettleAgain)), (2, Gen.Constant(Op.ToggleOutage)))
            from halves in Gen.Choose(0, 20)
            from actual in Gen.Choose(0, 20)
            from pick in Gen.Choose(0, 1000)
            select (Kind: kind, Estimate: halves / 2.0, Actual: actual / 2.0, Pick: pick);
        var sequences = (from gramsBind in Gen.Elements(false, true)
                         from length in Gen.Choose(10, 40)
                         from ops in Gen.ArrayOf(operation, length)
                         select (GramsBind: gramsBind, Ops: ops)).Sample(20);
        var number = 0;
        foreach (var (gramsBind, ops) in sequences)
        {
            await RunAsync($"{_tenant}-{number++}", gramsBind ? [new(BudgetWindow.Hour, 40, null), new(BudgetWindow.Day, null, 3)]
                : [new(BudgetWindow.Hour, 30, null), new(BudgetWindow.Day, null, 4)], ops);
        }
    }

    private async Task RunAsync(string tenant, BudgetLimit[] limits, (Op Kind, double Estimate, double Actual, int Pick)[] ops)
    {
        var ledger = _ledger!;
        var model = new LedgerModel(Slice);
        var now = DateTimeOffset.UtcNow;
        var open = new List<(ReserveRequest Request, Reservation Reservation)>();
        var settled = new List<Reservation>();
        var trace = new List<string>();
        var down = false;

        // Request ids are unique across tenants, as the gateway's are (the ledgers remember settled ids, not tenants).
        for (var i = 0; i < ops.Length; i++)
        {
            var (kind, estimate, actual, pick) = ops[i];
            kind = kind switch
            {
                Op.RetryReserve or Op.Settle when open.Count == 0 => Op.Reserve,
                Op.SettleAgain when settled.Count == 0 => Op.Reserve,
                _ => kind,
            };
            switch (kind)
            {
                case Op.Reserve or Op.ReserveExactlyTheRest or Op.RetryReserve:
                {
                    var request = kind switch
                    {
                        Op.RetryReserve => open[pick % open.Count].Request,
                        Op.ReserveExactlyTheRest => Request(tenant, $"{tenant}/x{i}", await model.RestAsync(tenant, limits, now, down), limits, now),
                        _ => Request(tenant, $"{tenant}/o{i}", estimate, limits, now),
                    };
                    var want = await model.ReserveAsync(request, down);
                    var got = await ledger.ReserveAsync(request, Token);
                    trace.Add($"{(down ? "down " : "")}{kind} {request.RequestId} {request.Estimate.Joules} J: {(got.Admitted ? "admitted" : $"refused by {got.SpentWindow}")}");
                    Assert.True(want.Admitted == got.Admitted && want.SpentWindow == got.SpentWindow,
                        $"{tenant}: model {(want.Admitted ? "admitted" : $"refused by {want.SpentWindow}")}; trace:\n{string.Join('\n', trace)}");
                    if (got.Admitted && kind != Op.RetryReserve)
                    {
                        open.Add((request, got.Reservation!));
                    }

                    break;
                }

                case Op.Settle:
                {
                    var (_, reservation) = open[pick % open.Count];
                    open.RemoveAt(pick % open.Count);
                    settled.Add(reservation);
                    var charge = new EnergyCarbon(actual, actual / 8);
                    trace.Add($"{(down ? "down " : "")}settle {reservation.RequestId} at {actual} J");
                    await model.SettleAsync(reservation, charge);
                    await ledger.SettleAsync(reservation, charge, Token);
                    break;
                }

                case Op.SettleAgain:
                {
                    // Idempotent by request id, in both; the model has nothing to do.
                    var reservation = settled[pick % settled.Count];
                    trace.Add($"{(down ? "down " : "")}settle again {reservation.RequestId}");
                    await ledger.SettleAsync(reservation, new EnergyCarbon(actual, actual / 8), Token);
                    break;
                }

                default:
                    down = !down;
                    trace.Add(down ? "outage" : "restored");
                    await SetOutageAsync(down);
                    break;
            }
        }

        if (down)
        {
            await SetOutageAsync(false);
        }

        await DrainJournalAsync();
        var expected = await model.Shared.GetUsageAsync(tenant, now, Token);
        var actualUsage = await ledger.GetUsageAsync(tenant, now, Token);
        for (var w = 0; w < expected.Count; w++)
        {
            var message = $"{tenant} {expected[w].Span.Window}: model {expected[w]}, Redis {actualUsage[w]}; trace:\n{string.Join('\n', trace)}";
            Assert.True(Math.Abs(expected[w].Consumed.Joules - actualUsage[w].Consumed.Joules) < 1e-6, message);
            Assert.True(Math.Abs(expected[w].Consumed.GramsCo2e - actualUsage[w].Consumed.GramsCo2e) < 1e-6, message);
            Assert.True(Math.Abs(expected[w].Reserved.Joules - actualUsage[w].Reserved.Joules) < 1e-6, message);
            Assert.True(Math.Abs(expected[w].Reserved.GramsCo2e - actualUsage[w].Reserved.GramsCo2e) < 1e-6, message);
        }
    }

    private static ReserveRequest Request(string tenant, string id, double joules, BudgetLimit[] limits, DateTimeOffset now) =>
        new(tenant, id, new EnergyCarbon(joules, joules / 8), limits, now);

    private async Task SetOutageAsync(bool down)
    {
        if (down)
        {
            _proxy!.Cut();
            await Wait.UntilAsync(() => !_connection!.IsConnected);
        }
        else
        {
            _proxy!.Restore();
            await Wait.UntilAsync(() => _connection!.IsConnected);
            await DrainJournalAsync();
        }
    }

    private async Task DrainJournalAsync()
    {
        while (_ledger!.JournalLength > 0)
        {
            await _ledger.ReplayJournalAsync(Token);
        }
    }

    /// <summary>The Redis ledger's promise, in embedded ledgers (see the class remarks).</summary>
    private sealed class LedgerModel(double slice)
    {
        private readonly HashSet<string> _local = [];
        private readonly HashSet<string> _shared = [];

        public InMemoryBudgetLedger Shared { get; } = new();

        public InMemoryBudgetLedger Local { get; } = new();

        public async Task<ReserveOutcome> ReserveAsync(ReserveRequest request, bool down)
        {
            if (!down)
            {
                var outcome = await Shared.ReserveAsync(request, CancellationToken.None);
                if (outcome.Admitted)
                {
                    _shared.Add(request.RequestId);
                }

                return outcome;
            }

            var sliced = request with
            {
                Limits = [.. request.Limits.Select(l => l with { EnergyJoules = l.EnergyJoules * slice, CarbonGrams = l.CarbonGrams * slice })],
            };
            var local = await Local.ReserveAsync(sliced, CancellationToken.None);
            if (local.Admitted)
            {
                _local.Add(request.RequestId);
            }

            return local;
        }

        public async Task SettleAsync(Reservation reservation, EnergyCarbon actual)
        {
            if (_local.Remove(reservation.RequestId))
            {
                await Local.SettleAsync(reservation, actual, CancellationToken.None);
            }

            if (_shared.Remove(reservation.RequestId))
            {
                await Shared.SettleAsync(reservation, actual, CancellationToken.None);
                return;
            }

            // Admitted only locally: the shared ledger gets the charge and has nothing to release.
            var charge = new Reservation(reservation.TenantId, reservation.RequestId + "/charge", EnergyCarbon.Zero, reservation.ReservedAt);
            await Shared.ReserveAsync(new ReserveRequest(charge.TenantId, charge.RequestId, charge.Amount, [], charge.ReservedAt), CancellationToken.None);
            await Shared.SettleAsync(charge, actual, CancellationToken.None);
        }

        /// <summary>The estimate that takes the binding limit exactly to its end (half a joule when it is already spent).</summary>
        public async Task<double> RestAsync(string tenant, BudgetLimit[] limits, DateTimeOffset now, bool down)
        {
            var usage = await (down ? Local : Shared).GetUsageAsync(tenant, now, CancellationToken.None);
            var fraction = down ? slice : 1;
            var rest = double.MaxValue;
            foreach (var limit in limits)
            {
                var used = usage.Single(u => u.Span.Window == limit.Window);
                var total = used.Consumed + used.Reserved;
                if (limit.EnergyJoules is { } j)
                {
                    rest = Math.Min(rest, (j * fraction) - total.Joules);
                }

                if (limit.CarbonGrams is { } g)
                {
                    // Grams are an eighth of the joules.
                    rest = Math.Min(rest, ((g * fraction) - total.GramsCo2e) * 8);
                }
            }

            return rest > 0 ? rest : 0.5;
        }
    }
}

public sealed class RedisServerLedgerModelTests(RedisServerFixture server) : LedgerModelTests(server);

public sealed class GarnetLedgerModelTests(GarnetServerFixture server) : LedgerModelTests(server);
