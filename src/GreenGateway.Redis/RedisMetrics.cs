using System.Diagnostics;
using System.Diagnostics.Metrics;
using StackExchange.Redis;

namespace GreenGateway.Redis;

/// <summary>
/// The Redis layer's instruments, on the meter "GreenGateway.Redis" from the host's <see cref="IMeterFactory"/>. Create
/// one per process and pass it to <see cref="RedisSharedStateOptions.Metrics"/> (or the ledger's and cache's constructors).
/// StackExchange.Redis 3.4 has no meter of its own; what it offers, its connection events and
/// <see cref="IConnectionMultiplexer.GetCounters"/>, becomes <c>gg.redis.*</c> here once <see cref="Observe"/> is called.
/// </summary>
public sealed class RedisMetrics
{
    public const string MeterName = "GreenGateway.Redis";

    private readonly Meter _meter;
    private readonly Counter<long> _connectionFailures;
    private readonly Counter<long> _reconnects;
    private readonly Counter<long> _localAdmissions;
    private readonly Counter<long> _journalled;
    private readonly Counter<long> _cacheLookups;
    private readonly Histogram<double> _duration;
    private IConnectionMultiplexer? _multiplexer;

    public RedisMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _connectionFailures = _meter.CreateCounter<long>("gg.redis.connection.failures", "{failure}", "Connections lost or not made, by endpoint and reason (StackExchange.Redis's ConnectionFailureType).");
        _reconnects = _meter.CreateCounter<long>("gg.redis.reconnects", "{connection}", "Connections re-established, by endpoint.");
        _localAdmissions = _meter.CreateCounter<long>("gg.ledger.local_admissions", "{request}", "Requests admitted against the local slice while Redis was unreachable.");
        _journalled = _meter.CreateCounter<long>("gg.ledger.journalled", "{charge}", "Charges journalled for replay while Redis was unreachable.");
        _cacheLookups = _meter.CreateCounter<long>("gg.cache.lookups", "{lookup}", "Semantic cache lookups, by result (exact, semantic, miss, bypass, unavailable).");
        _duration = _meter.CreateHistogram<double>("gg.redis.duration", "s", "Time of the ledger's and the cache's Redis steps, by operation (reserve, settle, usage, lookup, store).");
        _meter.CreateObservableGauge("gg.redis.connected", () => _multiplexer is { } m ? (m.IsConnected ? 1 : 0) : 0, "1", "1 while at least one Redis server is connected.");
        _meter.CreateObservableCounter("gg.redis.operations", ObserveOperations, "{operation}", "Commands the client has issued (StackExchange.Redis GetCounters: interactive OperationCount).");
        _meter.CreateObservableUpDownCounter("gg.redis.outstanding", ObserveOutstanding, "{operation}", "Commands queued or awaiting a reply now (GetCounters: TotalOutstanding).");
    }

    /// <summary>Reports <paramref name="multiplexer"/>'s connection events and counters on this meter. One multiplexer per process.</summary>
    public void Observe(IConnectionMultiplexer multiplexer)
    {
        _multiplexer = multiplexer;
        multiplexer.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive && _connectionFailures.Enabled)
            {
                _connectionFailures.Add(1, new TagList { { "endpoint", e.EndPoint?.ToString() }, { "reason", e.FailureType.ToString() } });
            }
        };
        multiplexer.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive && _reconnects.Enabled)
            {
                _reconnects.Add(1, new KeyValuePair<string, object?>("endpoint", e.EndPoint?.ToString()));
            }
        };
    }

    internal void AdmittedLocally() => _localAdmissions.Add(1);

    internal void Journalled() => _journalled.Add(1);

    internal void CacheLookup(string result)
    {
        if (_cacheLookups.Enabled)
        {
            _cacheLookups.Add(1, new KeyValuePair<string, object?>("result", result));
        }
    }

    /// <summary>Records the time since <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>) for <paramref name="operation"/>.</summary>
    internal void Took(string operation, long startTimestamp)
    {
        if (_duration.Enabled)
        {
            _duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new KeyValuePair<string, object?>("operation", operation));
        }
    }

    // GetCounters() sums every server the multiplexer knows.
    private IEnumerable<Measurement<long>> ObserveOperations() =>
        _multiplexer is { } multiplexer ? [new Measurement<long>(multiplexer.GetCounters().Interactive.OperationCount)] : [];

    private IEnumerable<Measurement<long>> ObserveOutstanding() =>
        _multiplexer is { } multiplexer ? [new Measurement<long>(multiplexer.GetCounters().TotalOutstanding)] : [];
}
