using GreenGateway.Core.Cache;
using GreenGateway.Redis.Connections;
using GreenGateway.Redis.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GreenGateway.Redis.Cache;

/// <summary>
/// The semantic cache in Redis, shared by all replicas. Per partition (a hash tag, so one cluster slot):
/// <c>e:{id}</c> hash per entry (answer JSON and vector) with its own PX expiry; <c>x:{prompt hash}</c> → id for
/// exact matches; <c>z</c>, a sorted set of ids scored by expiry time; <c>v</c>, a vector set of ids where the
/// server has one; <c>ver</c>, a counter bumped by every store. Vector-set elements cannot expire one by one,
/// so an element is only a pointer: a hit is served only if its entry hash still exists, and expired ids are
/// swept from <c>v</c> and <c>z</c> (by <c>z</c>'s scores) on later stores and lookups.
/// </summary>
public sealed partial class RedisSemanticCache : ISemanticCache
{
    private readonly IRedisClient _client;
    private readonly IEmbedder _embedder;
    private readonly SemanticCacheOptions _options;
    private readonly RedisSemanticCacheOptions _redisOptions;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RedisMetrics? _metrics;
    private VectorEngine? _engine;

    public RedisSemanticCache(
        IRedisClient client,
        IEmbedder embedder,
        SemanticCacheOptions? options = null,
        RedisSemanticCacheOptions? redisOptions = null,
        TimeProvider? timeProvider = null,
        ILogger<RedisSemanticCache>? logger = null,
        RedisMetrics? metrics = null)
    {
        _metrics = metrics;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _client = client;
        _embedder = embedder;
        _options = options ?? new SemanticCacheOptions();
        _redisOptions = redisOptions ?? new RedisSemanticCacheOptions();
        var errors = new List<string>(_options.Validate());
        errors.AddRange(_redisOptions.Validate());
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _time = timeProvider ?? TimeProvider.System;
        if (_redisOptions.SearchMode == VectorSearchMode.Client)
        {
            _engine = VectorEngine.None;
        }
    }

    /// <summary>The engine in use, once known (after the first lookup or store, or <see cref="DetectEngineAsync"/>).</summary>
    public VectorEngine? Engine => _engine;

    /// <summary>
    /// Exact match, then nearest neighbour. The cache is an optimisation: while Redis is unreachable
    /// (<see cref="RedisConnectionException"/>) a lookup is a miss and a store is skipped, never an error.
    /// </summary>
    public async ValueTask<CacheLookupResult> LookupAsync(CacheQuery query, CancellationToken cancellationToken)
    {
        if (_options.Bypasses(query))
        {
            _metrics?.CacheLookup("bypass");
            return CacheLookupResult.Bypass;
        }

        try
        {
            var result = await LookupCoreAsync(query, cancellationToken).ConfigureAwait(false);
            _metrics?.CacheLookup(result.Kind switch
            {
                CacheLookupKind.ExactHit => "exact",
                CacheLookupKind.SemanticHit => "semantic",
                _ => "miss",
            });
            return result;
        }
        catch (RedisConnectionException ex)
        {
            Log.Unavailable(_logger, "lookup", ex.Message);
            _metrics?.CacheLookup("unavailable");
            return CacheLookupResult.Miss;
        }
    }

    public async ValueTask<bool> StoreAsync(CacheQuery query, CachedAnswer answer, CancellationToken cancellationToken)
    {
        if (_options.Bypasses(query))
        {
            return false;
        }

        try
        {
            await StoreCoreAsync(query, answer, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RedisConnectionException ex)
        {
            Log.Unavailable(_logger, "store", ex.Message);
            return false;
        }
    }

    private async ValueTask<CacheLookupResult> LookupCoreAsync(CacheQuery query, CancellationToken cancellationToken)
    {
        var engine = await DetectEngineAsync(cancellationToken).ConfigureAwait(false);
        var keys = new PartitionKeys(_redisOptions.KeyPrefix, query.Partition, _embedder.Name);
        var embedding = await _embedder.EmbedAsync(query.Prompt, cancellationToken).ConfigureAwait(false);

        // Exact match and the neighbour search (or the version check) go out together: one round trip.
        var exact = _client.ExecuteAsync("GET", [keys.Exact(CacheKeys.PromptHash(query.Prompt))], cancellationToken);
        var search = engine == VectorEngine.None
            ? _client.ExecuteAsync("GET", [keys.Version], cancellationToken)
            : _client.ExecuteAsync("VSIM", [keys.Vectors, "FP32", StoredEntry.VectorBytes(embedding), "WITHSCORES", "COUNT", _redisOptions.CandidateCount], cancellationToken);

        var exactId = await exact.ConfigureAwait(false);
        var searched = await search.ConfigureAwait(false);
        if (!exactId.IsNull)
        {
            var entry = await ReadEntryAsync(keys, exactId.AsString()!, cancellationToken).ConfigureAwait(false);
            if (entry is not null)
            {
                return new CacheLookupResult(CacheLookupKind.ExactHit, entry, 1);
            }
        }

        var threshold = _options.ThresholdFor(query.Partition.TenantId);
        return engine == VectorEngine.None
            ? await SearchLocallyAsync(keys, embedding, searched, threshold, cancellationToken).ConfigureAwait(false)
            : await RescoreCandidatesAsync(keys, engine, embedding, searched, threshold, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask StoreCoreAsync(CacheQuery query, CachedAnswer answer, CancellationToken cancellationToken)
    {
        var engine = await DetectEngineAsync(cancellationToken).ConfigureAwait(false);
        var keys = new PartitionKeys(_redisOptions.KeyPrefix, query.Partition, _embedder.Name);
        var embedding = await _embedder.EmbedAsync(query.Prompt, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var expires = now + _options.EntryTimeToLive;
        var id = Guid.NewGuid().ToString("N");
        var stored = new StoredEntry(CacheKeys.PromptHash(query.Prompt), now, expires, answer);
        var ttl = (long)_options.EntryTimeToLive.TotalMilliseconds;
        var vector = StoredEntry.VectorBytes(embedding);

        var writes = new List<ValueTask<RespValue>>(10)
        {
            _client.ExecuteAsync("HSET", [keys.Entry(id), "a", stored.ToJson(), "v", vector], cancellationToken),
            _client.ExecuteAsync("PEXPIRE", [keys.Entry(id), ttl], cancellationToken),
            _client.ExecuteAsync("SET", [keys.Exact(stored.PromptHash), id, "PX", ttl], cancellationToken),
            _client.ExecuteAsync("ZADD", [keys.Expiries, expires.ToUnixTimeMilliseconds(), id], cancellationToken),
            _client.ExecuteAsync("PEXPIRE", [keys.Expiries, ttl], cancellationToken),
            _client.ExecuteAsync("INCR", [keys.Version], cancellationToken),
            _client.ExecuteAsync("PEXPIRE", [keys.Version, ttl], cancellationToken),
        };
        if (engine != VectorEngine.None)
        {
            writes.Add(_client.ExecuteAsync("VADD", [keys.Vectors, "FP32", vector, id], cancellationToken));
            writes.Add(_client.ExecuteAsync("PEXPIRE", [keys.Vectors, ttl], cancellationToken));
        }

        foreach (var write in writes)
        {
            await write.ConfigureAwait(false);
        }

        await SweepAsync(keys, engine, now, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<CacheEntry?> ReadEntryAsync(PartitionKeys keys, string id, CancellationToken cancellationToken)
    {
        var fields = (await _client.ExecuteAsync("HMGET", [keys.Entry(id), "a", "v"], cancellationToken).ConfigureAwait(false)).Items;
        if (fields.Length < 2 || fields[0].IsNull || fields[1].IsNull)
        {
            return null;
        }

        var stored = StoredEntry.FromJson(fields[0].Bytes);
        return stored is null || stored.ExpiresAt <= _time.GetUtcNow()
            ? null
            : new CacheEntry(id, stored.PromptHash, StoredEntry.VectorFromBytes(fields[1].Bytes), stored.Answer, stored.CreatedAt, stored.ExpiresAt);
    }
}
