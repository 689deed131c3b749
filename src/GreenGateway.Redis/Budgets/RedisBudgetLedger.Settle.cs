using GreenGateway.Core.Budgets;
using System.Diagnostics;
using GreenGateway.Redis.Connections;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace GreenGateway.Redis.Budgets;

public sealed partial class RedisBudgetLedger
{
    /// <summary>
    /// Journalled charges sent at once by a replay. StackExchange.Redis reaches a server's rate only with many commands in
    /// flight on its connection (docs/benchmarks.md), so a replay after an outage pipelines them rather than awaiting each.
    /// </summary>
    private const int ReplayBatch = 512;

    /// <summary>
    /// Charges <paramref name="actual"/> and releases the reservation. Never loses a charge: when Redis cannot
    /// be reached (in either fail mode) the charge goes to the journal and is replayed later; replays are
    /// idempotent by request id, so one that did reach Redis before the connection dropped is not counted twice.
    /// </summary>
    public async ValueTask SettleAsync(Reservation reservation, EnergyCarbon actual, CancellationToken cancellationToken)
    {
        var isLocal = _localReservations.TryRemove(reservation.RequestId, out _);
        if (isLocal)
        {
            await _local.SettleAsync(reservation, actual, cancellationToken).ConfigureAwait(false);
        }

        var entry = new JournalEntry(reservation, actual.AtLeastZero());
        if (!_redis.IsConnected)
        {
            Journal(entry);
            return;
        }

        // No cancellation once here: a charge is written (or journalled) whatever happens to the request.
        var started = Stopwatch.GetTimestamp();
        try
        {
            await ApplyAsync(entry).ConfigureAwait(false);
            _metrics?.Took("settle", started);
        }
        catch (Exception ex) when (RedisFailures.IsUnavailable(ex))
        {
            Journal(entry);
        }
    }

    /// <summary>Writes journalled charges to Redis now; returns how many were written. Stops at the first connection failure.</summary>
    public async Task<int> ReplayJournalAsync(CancellationToken cancellationToken)
    {
        await _replayLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Only this loop dequeues (under the lock); settles only enqueue. A batch's charges go out together; the
            // leading ones that Redis took are dequeued, and any after the first failure stay to be sent again, which
            // their settled markers make harmless.
            var written = 0;
            var batch = new List<(JournalEntry Entry, Task Write)>(ReplayBatch);
            while (!_journal.IsEmpty && !cancellationToken.IsCancellationRequested)
            {
                batch.Clear();
                foreach (var entry in _journal)
                {
                    batch.Add((entry, ApplyAsync(entry)));
                    if (batch.Count == ReplayBatch)
                    {
                        break;
                    }
                }

                var applied = 0;
                var failed = false;
                foreach (var (entry, write) in batch)
                {
                    try
                    {
                        await write.ConfigureAwait(false);
                    }
                    catch (Exception ex) when (RedisFailures.IsUnavailable(ex))
                    {
                        failed = true;
                    }
                    catch (RedisServerException ex) when (!failed)
                    {
                        // Not retryable (the server rejects the script itself): drop it loudly rather than block the rest.
                        Log.ReplayRejected(_logger, entry.Reservation.RequestId, ex.Message);
                    }
                    catch (RedisServerException)
                    {
                        // After a failure: left in the journal, sent again next time.
                    }

                    applied += failed ? 0 : 1;
                }

                for (var i = 0; i < applied; i++)
                {
                    _journal.TryDequeue(out _);
                }

                written += applied;
                if (failed)
                {
                    break;
                }
            }

            if (written > 0)
            {
                TruncateJournalFileIfEmpty();
                Log.Replayed(_logger, written, _journal.Count);
            }

            return written;
        }
        finally
        {
            _replayLock.Release();
        }
    }

    private async Task ReplayLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.ReplayInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                if (!_journal.IsEmpty && _redis.IsConnected)
                {
                    await ReplayJournalAsync(_stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    private Task ApplyAsync(JournalEntry entry)
    {
        var r = entry.Reservation;
        var keys = new RedisKey[6];
        var args = new RedisValue[9];
        for (var i = 0; i < 4; i++)
        {
            var span = WindowSpan.Containing(WindowSpan.All[i], r.ReservedAt);
            keys[i] = WindowKey(r.TenantId, span);
            args[4 + i] = TtlMilliseconds(span);
        }

        keys[4] = RequestKey(r.TenantId, "res", r.RequestId);
        keys[5] = RequestKey(r.TenantId, "done", r.RequestId);
        args[0] = Format(entry.Actual.Joules);
        args[1] = Format(entry.Actual.GramsCo2e);
        args[2] = Format(r.Amount.Joules);
        args[3] = Format(r.Amount.GramsCo2e);
        args[8] = TtlMilliseconds(WindowSpan.Containing(BudgetWindow.Month, r.ReservedAt));
        return _db.ScriptEvaluateAsync(LedgerScripts.Settle, keys, args);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "Budget ledger: Redis unavailable, admitted {RequestId} of tenant {Tenant} against the local slice")]
        public static partial void AdmittedLocally(ILogger logger, string tenant, string requestId);

        [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Budget ledger: charge of {RequestId} (tenant {Tenant}) journalled; {Pending} waiting for Redis")]
        public static partial void Journalled(ILogger logger, string tenant, string requestId, int pending);

        [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Budget ledger: replayed {Written} journalled charges to Redis; {Pending} left")]
        public static partial void Replayed(ILogger logger, int written, int pending);

        [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "Budget ledger: Redis rejected the journalled charge of {RequestId}: {Reason}")]
        public static partial void ReplayRejected(ILogger logger, string requestId, string reason);

        [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "Budget ledger disposed with {Pending} charges never written to Redis")]
        public static partial void JournalAbandoned(ILogger logger, int pending);
    }
}
