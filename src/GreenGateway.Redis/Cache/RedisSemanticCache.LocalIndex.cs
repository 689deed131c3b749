using System.Collections.Concurrent;
using GreenGateway.Core.Cache;
using GreenGateway.Redis.Protocol;

namespace GreenGateway.Redis.Cache;

public sealed partial class RedisSemanticCache
{
    private readonly ConcurrentDictionary<string, LocalIndex> _local = new(StringComparer.Ordinal);

    /// <summary>
    /// Client-side search for servers without vector sets. Each replica keeps a partition's vectors in memory and
    /// compares the partition's <c>ver</c> counter (fetched with the exact-match GET) with the one it synced at;
    /// when another replica has stored since, it re-reads the live ids from <c>z</c> and fetches only new vectors.
    /// </summary>
    private async ValueTask<CacheLookupResult> SearchLocallyAsync(PartitionKeys keys, float[] embedding, RespValue versionReply, double threshold, CancellationToken cancellationToken)
    {
        var version = versionReply.IsNull ? 0 : versionReply.AsInt64();
        if (version == 0)
        {
            return CacheLookupResult.Miss;
        }

        if (!_local.TryGetValue(keys.Id, out var index) || index.Version != version)
        {
            index = await SyncAsync(keys, index, version, cancellationToken).ConfigureAwait(false);
        }

        var (row, score) = VectorMath.Nearest(embedding, index.Vectors, index.Ids.Length);
        if (row < 0 || score < threshold)
        {
            return CacheLookupResult.Miss;
        }

        var entry = await ReadEntryAsync(keys, index.Ids[row], cancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            // Expired since the sync: force a fresh one next time.
            _local[keys.Id] = index with { Version = -1 };
            return CacheLookupResult.Miss;
        }

        return new CacheLookupResult(CacheLookupKind.SemanticHit, entry, VectorMath.Dot(embedding, entry.Embedding));
    }

    private async ValueTask<LocalIndex> SyncAsync(PartitionKeys keys, LocalIndex? previous, long version, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var live = (await _client.ExecuteAsync("ZRANGEBYSCORE", [keys.Expiries, now, "+inf"], cancellationToken).ConfigureAwait(false)).Items;
        var known = new Dictionary<string, int>(StringComparer.Ordinal);
        if (previous is not null)
        {
            for (var i = 0; i < previous.Ids.Length; i++)
            {
                known[previous.Ids[i]] = i;
            }
        }

        var dimensions = _embedder.Dimensions;
        var ids = new List<string>(live.Length);
        var rows = new List<float[]>(live.Length);
        var fetches = new List<(string Id, ValueTask<RespValue> Vector)>();
        foreach (var item in live)
        {
            var id = item.AsString()!;
            if (previous is not null && known.TryGetValue(id, out var at))
            {
                ids.Add(id);
                rows.Add(previous.Vectors.AsSpan(at * dimensions, dimensions).ToArray());
            }
            else
            {
                fetches.Add((id, _client.ExecuteAsync("HGET", [keys.Entry(id), "v"], cancellationToken)));
            }
        }

        foreach (var (id, fetch) in fetches)
        {
            var vector = await fetch.ConfigureAwait(false);
            if (!vector.IsNull && vector.Bytes.Length == dimensions * sizeof(float))
            {
                ids.Add(id);
                rows.Add(StoredEntry.VectorFromBytes(vector.Bytes));
            }
        }

        var flat = new float[ids.Count * dimensions];
        for (var i = 0; i < rows.Count; i++)
        {
            rows[i].CopyTo(flat, i * dimensions);
        }

        var index = new LocalIndex(version, [.. ids], flat);
        if (_local.Count >= _redisOptions.MaxLocalPartitions && !_local.ContainsKey(keys.Id))
        {
            // Simple bound: forget every partition; each is rebuilt from Redis on its next lookup.
            _local.Clear();
        }

        _local[keys.Id] = index;
        return index;
    }

    /// <param name="Vectors">Ids.Length x dimensions, row-major.</param>
    private sealed record LocalIndex(long Version, string[] Ids, float[] Vectors);
}
