using GreenGateway.Core.Budgets;
using GreenGateway.Core.Carbon;
using GreenGateway.Core.Requests;

namespace GreenGateway.Pipeline;

/// <summary>
/// An admitted request's hold on its tenant's budget. It owns one reservation from the moment the ledger grants it,
/// and settles it exactly once: at the answer's actual cost (<see cref="SettleAsync"/>, before the answer's last byte),
/// or, when disposed unsettled, for nothing, which releases it. It is the only caller of <see cref="IBudgetLedger.SettleAsync"/>.
/// </summary>
internal sealed partial class Admission : IAsyncDisposable
{
    private readonly IBudgetLedger _ledger;
    private readonly Reservation _reservation;
    private readonly ILogger _logger;
    private int _settled;

    public Admission(IBudgetLedger ledger, Reservation reservation, ModelRoute route, CarbonIntensity grid, ILogger logger)
    {
        _ledger = ledger;
        _reservation = reservation;
        _logger = logger;
        Route = route;
        Grid = grid;
    }

    public string RequestId => _reservation.RequestId;

    /// <summary>Where the request goes: the asked model's route, or a cheaper model's after a downgrade.</summary>
    public ModelRoute Route { get; }

    public CarbonIntensity Grid { get; }

    /// <summary>A spent budget (on_exhausted: downgrade) restricts the request to the tiers below the large model.</summary>
    public bool BelowUpstreamOnly { get; init; }

    /// <summary>The model first asked for, when a spent budget sent the request to a cheaper one.</summary>
    public string? DowngradedFrom { get; init; }

    /// <summary>What was reserved.</summary>
    public EnergyCarbon Reserved => _reservation.Amount;

    public bool IsSettled => Volatile.Read(ref _settled) != 0;

    /// <summary>Replaces the reservation with <paramref name="actual"/> (negative parts count as zero); only the first call counts.</summary>
    public async ValueTask SettleAsync(EnergyCarbon actual)
    {
        if (Interlocked.Exchange(ref _settled, 1) != 0)
        {
            return;
        }

        try
        {
            // Never cancelled: a client that leaves must not leave its reservation behind.
            await _ledger.SettleAsync(_reservation, actual.AtLeastZero(), CancellationToken.None);
        }
        catch (Exception e)
        {
            Log.SettleFailed(_logger, _reservation.TenantId, e);
        }
    }

    /// <summary>Settles at an answer's figures (the writers' hook before the answer's last byte).</summary>
    public ValueTask SettleFigures(Accounting.RequestFigures figures) => SettleAsync(figures.Charge);

    /// <summary>Releases the reservation unless it was settled.</summary>
    public ValueTask DisposeAsync() => SettleAsync(EnergyCarbon.Zero);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1104, Level = LogLevel.Error, Message = "The budget ledger failed to settle a request of tenant {Tenant}")]
        public static partial void SettleFailed(ILogger logger, string tenant, Exception exception);
    }
}
