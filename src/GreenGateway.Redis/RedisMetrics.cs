using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace GreenGateway.Redis;

/// <summary>
/// The Redis layer's instruments, on the meter "GreenGateway.Redis" from the host's <see cref="IMeterFactory"/>. Create
/// one per process and pass it to <see cref="Connections.RedisOptions.Metrics"/>, the ledger and the cache.
/// </summary>
public sealed class RedisMetrics
{
    public const string MeterName = "GreenGateway.Redis";

    private readonly Counter<long> _connectionFailures;
    private readonly Counter<long> _reconnects;
    private readonly Counter<long> _localAdmissions;
    private readonly Counter<long> _journalled;
    private readonly Counter<long> _cacheLookups;

    public RedisMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _connectionFailures = meter.CreateCounter<long>("gg.redis.connection.failures", description: "Connections lost, by endpoint and reason (closed, timeout, protocol).");
        _reconnects = meter.CreateCounter<long>("gg.redis.reconnects", description: "Connections re-established, by endpoint.");
        _localAdmissions = meter.CreateCounter<long>("gg.ledger.local_admissions", description: "Requests admitted against the local slice while Redis was unreachable.");
        _journalled = meter.CreateCounter<long>("gg.ledger.journalled", description: "Charges journalled for replay while Redis was unreachable.");
        _cacheLookups = meter.CreateCounter<long>("gg.cache.lookups", description: "Semantic cache lookups, by result (exact, semantic, miss, bypass, unavailable).");
    }

    internal void ConnectionFailed(string endpoint, Exception reason)
    {
        if (_connectionFailures.Enabled)
        {
            var kind = reason switch
            {
                RedisTimeoutException => "timeout",
                RedisProtocolException => "protocol",
                _ => "closed",
            };
            _connectionFailures.Add(1, new TagList { { "endpoint", endpoint }, { "reason", kind } });
        }
    }

    internal void Reconnected(string endpoint)
    {
        if (_reconnects.Enabled)
        {
            _reconnects.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint));
        }
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
}
