using GreenGateway.Core.Cache;
using System.Diagnostics;
using GreenGateway.Redis.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace GreenGateway.Redis.Cache;

/// <summary>
/// The semantic cache in Redis, shared by all replicas. Per partition (a hash tag, so one cluster slot):
/// <c>e:{id}</c> hash per entry (answer JSON and vector) with its own PX expiry; <c>x:{prompt hash}</c> → id for
/// exact matches; <c>z</c>, a sorted set of ids scored by expiry time; <c>v</c>, a vector set of ids where the
/// server has one; <c>ver</c>, a counter bumped by every store and removal; <c>log</c> (servers without vector sets), the list of
/// <c>+id</c>/<c>-id</c> changes that replicas' client-side indexes replay, and <c>epoch</c>, bumped when the log is
/// compacted. Vector-set elements cannot expire one by one,
/// so an element is only a pointer: a hit is served only if its entry hash still exists, and expired ids are
/// swept from <c>v</c> and <c>z</c> (by <c>z</c>'s scores) on later stores and lookups.
/// </summary>
public sealed partial class RedisSemanticCache : ISemanticCache
{
    private readonly IConnectionMultiplexer _redis;
    private readonly IDatabase _db;
    private readonly IEmbedder _embedder;
    private readonly SemanticCacheOptions _options;
    private readonly RedisSemanticCacheOptions _redisOptions;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RedisMetrics? _metrics;
    private VectorEngine? _engine;

    public RedisSemanticCache(
        IConnectionMultiplexer redis,
        IEmbedder embedder,
        SemanticCacheOptions? options = null,
        RedisSemanticCacheOptions? redisOptions = null,
        TimeProvider? timeProvider = null,
        ILogger<RedisSemanticCache>? logger = null,
        RedisMetrics? metrics = null)
    {
        _metrics = metrics;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _redis = redis;
        _db = redis.GetDatabase();
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
    /// (StackExchange.Redis's <see cref="RedisConnectionException"/> or <see cref="RedisTimeoutException"/>) a lookup is a
    /// miss and a store is skipped, never an error.
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
            var started = Stopwatch.GetTimestamp();
            var result = await LookupCoreAsync(query, cancellationToken).ConfigureAwait(false);
            _metrics?.Took("lookup", started);
            _metrics?.CacheLookup(result.Kind switch
            {
                CacheLookupKind.ExactHit => "exact",
                CacheLookupKind.SemanticHit => "semantic",
                _ => "miss",
            });
            return result;
        }
        catch (Exception ex) when (RedisFailures.IsUnavailable(ex))
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
            var started = Stopwatch.GetTimestamp();
            await StoreCoreAsync(query, answer, cancellationToken).ConfigureAwait(false);
            _metrics?.Took("store", started);
            return true;
        }
        catch (Exception ex) when (RedisFailures.IsUnavailable(ex))
        {
            Log.Unavailable(_logger, "store", ex.Message);
            return false;
        }
    }

    private async ValueTask<CacheLookupResult> LookupCoreAsync(CacheQuery query, CancellationToken cancellationToken)
    {
        var engine = await DetectEngineAsync(cancellationToken).ConfigureAwait(false);
        var keys = new PartitionKeys(_redisOptions.KeyPrefix, query.Partition, _embedder.Name);

        // The exact match first, before any embedding: a question asked again costs one round trip and no model call.
        // The client-side index's version goes out with it.
        cancellationToken.ThrowIfCancellationRequested();
        var exact = _db.StringGetAsync(keys.Exact(CacheKeys.PromptHash(query.Prompt)));
        var version = engine == VectorEngine.None ? _db.StringGetAsync(keys.Version) : null;
        var exactId = await exact.ConfigureAwait(false);
        if (!exactId.IsNull)
        {
            var entry = await ReadEntryAsync(keys, exactId.ToString()).ConfigureAwait(false);
            if (entry is not null)
            {
                return new CacheLookupResult(CacheLookupKind.ExactHit, entry, 1);
            }
        }

        var threshold = _options.ThresholdFor(query.Partition.TenantId);
        if (engine == VectorEngine.None)
        {
            var versionReply = await version!.ConfigureAwait(false);
            if (versionReply.IsNull)
            {
                // An empty partition: nothing to compare with, so no embedding either (the write-back computes it).
                return CacheLookupResult.Miss;
            }

            var embedding = await query.EmbedAsync(_embedder, cancellationToken).ConfigureAwait(false);
            return await SearchLocallyAsync(query, keys, embedding, versionReply, threshold, cancellationToken).ConfigureAwait(false);
        }

        var vector = await query.EmbedAsync(_embedder, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var searched = await _db.ExecuteAsync("VSIM", (RedisKey)keys.Vectors, "FP32", StoredEntry.VectorBytes(vector), "WITHSCORES", "COUNT", _redisOptions.CandidateCount).ConfigureAwait(false);
        return await RescoreCandidatesAsync(query, keys, engine, vector, searched, threshold, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask StoreCoreAsync(CacheQuery query, CachedAnswer answer, CancellationToken cancellationToken)
    {
        var engine = await DetectEngineAsync(cancellationToken).ConfigureAwait(false);
        var keys = new PartitionKeys(_redisOptions.KeyPrefix, query.Partition, _embedder.Name);
        var embedding = await query.EmbedAsync(_embedder, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var expires = now + _options.EntryTimeToLive;
        var id = Guid.NewGuid().ToString("N");
        var stored = new StoredEntry(CacheKeys.PromptHash(query.Prompt), now, expires, answer, query.Prompt);
        var ttl = (long)_options.EntryTimeToLive.TotalMilliseconds;
        var vector = StoredEntry.VectorBytes(embedding);

        // One batch: the writes leave together, in this order, on the connection of the partition's node.
        cancellationToken.ThrowIfCancellationRequested();
        var ttlSpan = TimeSpan.FromMilliseconds(ttl);
        var batch = _db.CreateBatch();
        var writes = new List<Task>(9)
        {
            batch.HashSetAsync(keys.Entry(id), [new HashEntry("a", stored.ToJson()), new HashEntry("v", vector)]),
            batch.KeyExpireAsync(keys.Entry(id), ttlSpan),
            batch.StringSetAsync(keys.Exact(stored.PromptHash), id, ttlSpan),
            batch.SortedSetAddAsync(keys.Expiries, id, expires.ToUnixTimeMilliseconds()),
            batch.KeyExpireAsync(keys.Expiries, ttlSpan),
            batch.StringIncrementAsync(keys.Version),
            batch.KeyExpireAsync(keys.Version, ttlSpan),
        };
        Task<long>? logged = null;
        if (engine != VectorEngine.None)
        {
            writes.Add(batch.ExecuteAsync("VADD", (RedisKey)keys.Vectors, "FP32", vector, id));
            writes.Add(batch.KeyExpireAsync(keys.Vectors, ttlSpan));
        }
        else
        {
            writes.Add(logged = LogStore(batch, keys, id, ttlSpan));
        }

        batch.Execute();
        await Task.WhenAll(writes).ConfigureAwait(false);
        await SweepAsync(keys, engine, now).ConfigureAwait(false);
        if (logged is not null)
        {
            await CompactLogIfLongAsync(keys, await logged.ConfigureAwait(false), now).ConfigureAwait(false);
        }
    }

    private static readonly RedisValue[] EntryFields = ["a", "v"];

    private async Task<CacheEntry?> ReadEntryAsync(PartitionKeys keys, string id)
    {
        var fields = await _db.HashGetAsync(keys.Entry(id), EntryFields).ConfigureAwait(false);
        if (fields.Length < 2 || fields[0].IsNull || fields[1].IsNull)
        {
            return null;
        }

        var stored = StoredEntry.FromJson((byte[])fields[0]!);
        return stored is null || stored.ExpiresAt <= _time.GetUtcNow()
            ? null
            : new CacheEntry(id, stored.PromptHash, StoredEntry.VectorFromBytes((byte[])fields[1]!), stored.Answer, stored.CreatedAt, stored.ExpiresAt, stored.Prompt ?? "");
    }
}
