using System.Text.Json;
using System.Text.Json.Serialization;
using GreenGateway.Core.Budgets;
using Microsoft.Extensions.Logging;

namespace GreenGateway.Redis.Budgets;

public sealed partial class RedisBudgetLedger
{
    private readonly Lock _journalFileLock = new();

    /// <summary>
    /// Queues a charge for replay, first appending it to <see cref="RedisBudgetLedgerOptions.JournalPath"/> (flushed to
    /// disk) when one is set. The file is emptied only once the queue has drained, so a crash mid-replay replays some
    /// charges twice, which the settled markers make harmless.
    /// </summary>
    private void Journal(JournalEntry entry)
    {
        lock (_journalFileLock)
        {
            if (_options.JournalPath is { } path)
            {
                using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
                var record = new JournalRecord(entry.Reservation.TenantId, entry.Reservation.RequestId, entry.Reservation.Amount.Joules,
                    entry.Reservation.Amount.GramsCo2e, entry.Reservation.ReservedAt, entry.Actual.Joules, entry.Actual.GramsCo2e);
                JsonSerializer.Serialize(file, record, LedgerJsonContext.Default.JournalRecord);
                file.WriteByte((byte)'\n');
                file.Flush(flushToDisk: true);
            }

            _journal.Enqueue(entry);
        }

        Log.Journalled(_logger, entry.Reservation.TenantId, entry.Reservation.RequestId, _journal.Count);
        _metrics?.Journalled();
    }

    private void LoadJournalFile()
    {
        if (_options.JournalPath is not { } path || !File.Exists(path))
        {
            return;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                var r = JsonSerializer.Deserialize(line, LedgerJsonContext.Default.JournalRecord);
                if (r is not null)
                {
                    var reservation = new Reservation(r.TenantId, r.RequestId, new EnergyCarbon(r.ReservedJoules, r.ReservedGrams), r.ReservedAt);
                    _journal.Enqueue(new JournalEntry(reservation, new EnergyCarbon(r.ActualJoules, r.ActualGrams)));
                }
            }
            catch (JsonException ex)
            {
                // A line torn by a crash mid-write: the charge it held was never acknowledged to anyone.
                Log.JournalLineSkipped(_logger, path, ex.Message);
            }
        }

        Log.JournalLoaded(_logger, _journal.Count, path);
    }

    private void TruncateJournalFileIfEmpty()
    {
        lock (_journalFileLock)
        {
            if (_options.JournalPath is { } path && _journal.IsEmpty && File.Exists(path))
            {
                File.WriteAllBytes(path, []);
            }
        }
    }

    private sealed record JournalEntry(Reservation Reservation, EnergyCarbon Actual);

    internal sealed record JournalRecord(
        string TenantId, string RequestId, double ReservedJoules, double ReservedGrams, DateTimeOffset ReservedAt, double ActualJoules, double ActualGrams);

    [JsonSerializable(typeof(JournalRecord))]
    internal sealed partial class LedgerJsonContext : JsonSerializerContext;

    private static partial class Log
    {
        [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "Budget ledger: loaded {Pending} journalled charges from {Path} for replay")]
        public static partial void JournalLoaded(ILogger logger, int pending, string path);

        [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Budget ledger: skipped a torn line in journal {Path}: {Reason}")]
        public static partial void JournalLineSkipped(ILogger logger, string path, string reason);
    }
}
