using System.Collections.Concurrent;
using GreenGateway.Core.Budgets;
using System.Diagnostics;
using GreenGateway.Redis.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace GreenGateway.Redis.Budgets;

/// <summary>
/// The budget ledger shared by every gateway replica through Redis. Reserve and settle are single Lua
/// scripts, so check-and-reserve is atomic across replicas and the admission rule of
/// <see cref="IBudgetLedger"/> holds for all of them together. Settling is idempotent by request id.
/// Keys: <c>{prefix}:{{tenant}}:{window id}</c> (hash), <c>...:res:{request}</c> and <c>...:done:{request}</c>;
/// the braces are a cluster hash tag, so one tenant's keys share a slot and one script can touch them all.
/// Connection, protocol, script caching and cluster routing are StackExchange.Redis's; concurrent callers share its
/// multiplexed connection, so their scripts are pipelined, and the journal replay sends its charges in batches.
/// </summary>
public sealed partial class RedisBudgetLedger : IBudgetLedger, IAsyncDisposable
{
    private readonly IConnectionMultiplexer _redis;
    private readonly IDatabase _db;
    private readonly RedisBudgetLedgerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly InMemoryBudgetLedger _local = new();
    private readonly ConcurrentDictionary<string, byte> _localReservations = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<JournalEntry> _journal = new();
    private readonly SemaphoreSlim _replayLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _replayLoop;
    private int _disposed;
    private readonly RedisMetrics? _metrics;

    public RedisBudgetLedger(
        IConnectionMultiplexer redis,
        RedisBudgetLedgerOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<RedisBudgetLedger>? logger = null,
        RedisMetrics? metrics = null)
    {
        _redis = redis;
        _db = redis.GetDatabase();
        _metrics = metrics;
        _options = options ?? new RedisBudgetLedgerOptions();
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        LoadJournalFile();
        _replayLoop = Task.Run(ReplayLoopAsync);
    }

    /// <summary>Charges waiting to be written to Redis (made or settled while it was unreachable).</summary>
    public int JournalLength => _journal.Count;

    public async ValueTask<ReserveOutcome> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken)
    {
        if (!_redis.IsConnected)
        {
            return await ReserveWhileUnavailableAsync(request, null, cancellationToken).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return await ReserveInRedisAsync(request).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFailures.IsUnavailable(ex))
        {
            return await ReserveWhileUnavailableAsync(request, ex, cancellationToken).ConfigureAwait(false);
        }
    }

    // A script already sent is not cancelled: SE.Redis takes no token, and a reservation made is released by its settle.
    private async ValueTask<ReserveOutcome> ReserveInRedisAsync(ReserveRequest request)
    {
        var started = Stopwatch.GetTimestamp();
        var estimate = request.Estimate.AtLeastZero();
        var keys = new RedisKey[6];
        var args = new RedisValue[19];
        args[0] = Format(estimate.Joules);
        args[1] = Format(estimate.GramsCo2e);
        for (var i = 0; i < 4; i++)
        {
            var span = WindowSpan.Containing(WindowSpan.All[i], request.Now);
            keys[i] = WindowKey(request.TenantId, span);
            args[2 + i] = TtlMilliseconds(span);
        }

        keys[4] = RequestKey(request.TenantId, "res", request.RequestId);
        keys[5] = RequestKey(request.TenantId, "done", request.RequestId);
        args[6] = TtlMilliseconds(WindowSpan.Containing(BudgetWindow.Month, request.Now));
        WriteLimits(request.Limits, args.AsSpan(7));
        WriteCheckOrder(request.Limits, request.Now, args.AsSpan(15));

        var reply = (RedisResult[])(await _db.ScriptEvaluateAsync(LedgerScripts.Reserve, keys, args).ConfigureAwait(false))!;
        _metrics?.Took("reserve", started);
        if ((long)reply[0] == 1)
        {
            return ReserveOutcome.Admit(new Reservation(request.TenantId, request.RequestId, estimate, request.Now));
        }

        var window = WindowSpan.All[(int)(long)reply[1] - 1];
        return ReserveOutcome.Refuse(WindowSpan.Containing(window, request.Now));
    }

    private async ValueTask<ReserveOutcome> ReserveWhileUnavailableAsync(ReserveRequest request, Exception? error, CancellationToken cancellationToken)
    {
        if (_options.FailMode == LedgerFailMode.FailClosed)
        {
            throw new BudgetLedgerUnavailableException($"budget ledger unavailable: {error?.Message ?? "Redis is not connected"}", error);
        }

        var sliced = new ReserveRequest(request.TenantId, request.RequestId, request.Estimate.AtLeastZero(), Slice(request.Limits), request.Now);
        var outcome = await _local.ReserveAsync(sliced, cancellationToken).ConfigureAwait(false);
        if (outcome.Admitted)
        {
            _localReservations[request.RequestId] = 0;
            Log.AdmittedLocally(_logger, request.TenantId, request.RequestId);
            _metrics?.AdmittedLocally();
        }

        return outcome;
    }

    private BudgetLimit[] Slice(IReadOnlyList<BudgetLimit> limits)
    {
        var fraction = _options.LocalSliceFraction;
        var sliced = new BudgetLimit[limits.Count];
        for (var i = 0; i < sliced.Length; i++)
        {
            var limit = limits[i];
            sliced[i] = limit with { EnergyJoules = limit.EnergyJoules * fraction, CarbonGrams = limit.CarbonGrams * fraction };
        }

        return sliced;
    }
}
