using GreenGateway.Core.Budgets;
using System.Diagnostics;
using GreenGateway.Redis.Connections;
using StackExchange.Redis;

namespace GreenGateway.Redis.Budgets;

public sealed partial class RedisBudgetLedger
{
    private static readonly RedisValue[] UsageFields = ["cj", "cg", "rj", "rg"];

    public async ValueTask<IReadOnlyList<WindowUsage>> GetUsageAsync(string tenantId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            // The four reads go out together, pipelined on the multiplexer: one round trip.
            var started = Stopwatch.GetTimestamp();
            var spans = new WindowSpan[WindowSpan.All.Count];
            var reads = new Task<RedisValue[]>[spans.Length];
            for (var i = 0; i < spans.Length; i++)
            {
                spans[i] = WindowSpan.Containing(WindowSpan.All[i], now);
                reads[i] = _db.HashGetAsync(WindowKey(tenantId, spans[i]), UsageFields);
            }

            var result = new WindowUsage[spans.Length];
            for (var i = 0; i < spans.Length; i++)
            {
                var fields = await reads[i].ConfigureAwait(false);
                result[i] = new WindowUsage(
                    spans[i],
                    new EnergyCarbon(Number(fields[0]), Number(fields[1])),
                    new EnergyCarbon(Number(fields[2]), Number(fields[3])));
            }

            _metrics?.Took("usage", started);
            return result;
        }
        catch (Exception ex) when (RedisFailures.IsUnavailable(ex))
        {
            if (_options.FailMode == LedgerFailMode.FailClosed)
            {
                throw new BudgetLedgerUnavailableException($"budget ledger unavailable: {ex.Message}", ex);
            }

            // Fail-open: the only figures at hand are this replica's own during the outage.
            return await _local.GetUsageAsync(tenantId, now, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Idempotent: a host's container and RedisSharedState may both dispose the ledger.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _replayLoop.ConfigureAwait(false);
            using var last = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await ReplayJournalAsync(last.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Best effort at shutdown; what is left is logged below.
        }

        if (!_journal.IsEmpty)
        {
            Log.JournalAbandoned(_logger, _journal.Count);
        }

        _stop.Dispose();
    }
}
