using System.Globalization;
using System.Text.Json;
using GreenGateway.Core.Batches;
using StackExchange.Redis;

namespace GreenGateway.Redis.Batches;

/// <summary>
/// Files, batches, results and leases in Redis, so that every replica serves every tenant's batches and one replica at
/// a time runs each (docs/batches.md). Keys (each command touches one key, so that Redis Cluster serves them):
/// <c>gg:bfile:{id}</c> (the file object) and <c>gg:bfile:{id}:content</c>; <c>gg:bfiles:{tenant length}:{tenant}</c>
/// (a sorted set of the tenant's files by creation); <c>gg:batch:{id}</c>; <c>gg:batches:{tenant length}:{tenant}</c>;
/// <c>gg:batches:active</c> (a set the runners poll); <c>gg:batch:{id}:cancel</c>; <c>gg:batch:{id}:results</c> (a hash
/// of line index to result, written with <c>HSETNX</c>, so that a line keeps its first result); <c>gg:batch:{id}:lease</c>
/// (<c>SET NX PX</c>, renewed by its owner only, in a script).
/// </summary>
public sealed class RedisBatchStore(IConnectionMultiplexer redis, TimeProvider? time = null) : IBatchStore
{
    public const string KeyPrefix = "gg:b";

    // Renews the lease when the caller holds it, takes it when nobody does; PX keeps it only while its holder renews it.
    private const string LeaseScript = """
        local holder = redis.call('GET', KEYS[1])
        if holder == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        if holder then
          return 0
        end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return 1
        """;

    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    private const string ExpiryKey = "gg:bfiles:expiry";
    private readonly IDatabase _db = redis.GetDatabase();
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async ValueTask SaveFileAsync(StoredFile file, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await _db.StringSetAsync($"gg:bfile:{file.Id}:content", content).ConfigureAwait(false);
        await _db.StringSetAsync($"gg:bfile:{file.Id}", JsonSerializer.SerializeToUtf8Bytes(file, BatchJson.Default.StoredFile)).ConfigureAwait(false);
        await _db.SortedSetAddAsync(TenantKey("gg:bfiles", file.TenantId), file.Id, file.CreatedAt).ConfigureAwait(false);
        if (file.ExpiresAt is { } expires)
        {
            await _db.SortedSetAddAsync(ExpiryKey, file.Id, expires).ConfigureAwait(false);
        }
    }

    public async ValueTask<StoredFile?> GetFileAsync(string tenantId, string id, CancellationToken cancellationToken) =>
        await OwnFileAsync(tenantId, id, cancellationToken).ConfigureAwait(false) is { } file && !file.IsExpired(_time.GetUtcNow().ToUnixTimeSeconds()) ? file : null;

    /// <summary>The tenant's file, expired or not.</summary>
    private async ValueTask<StoredFile?> OwnFileAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var file = Read(await _db.StringGetAsync($"gg:bfile:{id}").ConfigureAwait(false), BatchJson.Default.StoredFile);
        return file?.TenantId == tenantId ? file : null;
    }

    public async ValueTask<IReadOnlyList<StoredFile>> ExpiredFilesAsync(long now, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var expired = new List<StoredFile>();
        foreach (var id in await _db.SortedSetRangeByScoreAsync(ExpiryKey, double.NegativeInfinity, now, take: 100).ConfigureAwait(false))
        {
            if (Read(await _db.StringGetAsync($"gg:bfile:{id}").ConfigureAwait(false), BatchJson.Default.StoredFile) is { } file)
            {
                expired.Add(file);
            }
            else
            {
                // Deleted by its owner before it expired.
                await _db.SortedSetRemoveAsync(ExpiryKey, id).ConfigureAwait(false);
            }
        }

        return expired;
    }

    public async ValueTask<byte[]?> GetFileContentAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        if (await GetFileAsync(tenantId, id, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }

        var content = await _db.StringGetAsync($"gg:bfile:{id}:content").ConfigureAwait(false);
        return content.IsNull ? null : (byte[]?)content;
    }

    public async ValueTask<bool> DeleteFileAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        if (await OwnFileAsync(tenantId, id, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        await _db.KeyDeleteAsync($"gg:bfile:{id}:content").ConfigureAwait(false);
        await _db.SortedSetRemoveAsync(TenantKey("gg:bfiles", tenantId), id).ConfigureAwait(false);
        await _db.SortedSetRemoveAsync(ExpiryKey, id).ConfigureAwait(false);
        return await _db.KeyDeleteAsync($"gg:bfile:{id}").ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<StoredFile>> ListFilesAsync(string tenantId, CancellationToken cancellationToken)
    {
        var files = new List<StoredFile>();
        foreach (var id in await _db.SortedSetRangeByRankAsync(TenantKey("gg:bfiles", tenantId), 0, 999, Order.Descending).ConfigureAwait(false))
        {
            if (await GetFileAsync(tenantId, id.ToString(), cancellationToken).ConfigureAwait(false) is { } file)
            {
                files.Add(file);
            }
        }

        return files;
    }

    public async ValueTask SaveBatchAsync(BatchRecord batch, bool active, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await _db.StringSetAsync($"gg:batch:{batch.Id}", JsonSerializer.SerializeToUtf8Bytes(batch, BatchJson.Default.BatchRecord)).ConfigureAwait(false);
        await _db.SortedSetAddAsync(TenantKey("gg:batches", batch.TenantId), batch.Id, batch.CreatedAt).ConfigureAwait(false);
        if (active)
        {
            await _db.SetAddAsync("gg:batches:active", batch.Id).ConfigureAwait(false);
        }
        else
        {
            await _db.SetRemoveAsync("gg:batches:active", batch.Id).ConfigureAwait(false);
        }
    }

    public async ValueTask<BatchRecord?> GetBatchAsync(string id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Read(await _db.StringGetAsync($"gg:batch:{id}").ConfigureAwait(false), BatchJson.Default.BatchRecord);
    }

    public async ValueTask<IReadOnlyList<BatchRecord>> ListBatchesAsync(string tenantId, CancellationToken cancellationToken)
    {
        var batches = new List<BatchRecord>();
        foreach (var id in await _db.SortedSetRangeByRankAsync(TenantKey("gg:batches", tenantId), 0, 999, Order.Descending).ConfigureAwait(false))
        {
            if (await GetBatchAsync(id.ToString(), cancellationToken).ConfigureAwait(false) is { } batch && batch.TenantId == tenantId)
            {
                batches.Add(batch);
            }
        }

        return batches;
    }

    public async ValueTask<IReadOnlyList<string>> ActiveBatchIdsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var members = await _db.SetMembersAsync("gg:batches:active").ConfigureAwait(false);
        return [.. members.Select(m => m.ToString())];
    }

    public async ValueTask RequestCancelAsync(string id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await _db.StringSetAsync($"gg:batch:{id}:cancel", "1").ConfigureAwait(false);
    }

    public async ValueTask<bool> IsCancelRequestedAsync(string id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return await _db.KeyExistsAsync($"gg:batch:{id}:cancel").ConfigureAwait(false);
    }

    public async ValueTask<bool> TryAddResultAsync(string batchId, BatchLineResult result, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return await _db.HashSetAsync($"gg:batch:{batchId}:results", result.Index.ToString(CultureInfo.InvariantCulture),
            JsonSerializer.SerializeToUtf8Bytes(result, BatchJson.Default.BatchLineResult), When.NotExists).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<BatchLineResult>> GetResultsAsync(string batchId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var results = new List<BatchLineResult>();
        foreach (var entry in await _db.HashValuesAsync($"gg:batch:{batchId}:results").ConfigureAwait(false))
        {
            if (Read(entry, BatchJson.Default.BatchLineResult) is { } result)
            {
                results.Add(result);
            }
        }

        results.Sort((a, b) => a.Index.CompareTo(b.Index));
        return results;
    }

    public async ValueTask<bool> TryLeaseAsync(string batchId, string owner, TimeSpan ttl, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var taken = await _db.ScriptEvaluateAsync(LeaseScript, [(RedisKey)$"gg:batch:{batchId}:lease"],
            [owner, (long)Math.Max(1, ttl.TotalMilliseconds)]).ConfigureAwait(false);
        return (long)taken == 1;
    }

    public async ValueTask ReleaseLeaseAsync(string batchId, string owner, CancellationToken cancellationToken)
    {
        await _db.ScriptEvaluateAsync(ReleaseScript, [(RedisKey)$"gg:batch:{batchId}:lease"], [owner]).ConfigureAwait(false);
    }

    private static string TenantKey(string prefix, string tenantId) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}:{tenantId.Length}:{tenantId}");

    private static T? Read<T>(RedisValue value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize((byte[])value!, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
