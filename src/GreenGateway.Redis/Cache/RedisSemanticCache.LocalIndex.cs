using System.Collections.Concurrent;
using GreenGateway.Core.Cache;
using StackExchange.Redis;

namespace GreenGateway.Redis.Cache;

public sealed partial class RedisSemanticCache
{
    private readonly ConcurrentDictionary<string, LocalIndex> _local = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<LocalIndex>> _syncing = new(StringComparer.Ordinal);

    /// <summary>
    /// Client-side search for servers without vector sets. Each replica keeps a partition's vectors in memory and
    /// compares the partition's <c>ver</c> counter (fetched with the exact-match GET) with the one it synced at;
    /// when another replica has stored since, one sync at a time re-reads the live ids from <c>z</c> and fetches
    /// only the new vectors, appending them. The lookup that starts a sync waits for it (so a store is seen by the
    /// next lookup); lookups that find one in flight use the index they have instead of piling up. Only entries
    /// leaving the partition make a sync rebuild the arrays.
    /// </summary>
    private async ValueTask<CacheLookupResult> SearchLocallyAsync(CacheQuery query, PartitionKeys keys, float[] embedding, RedisResult versionReply, double threshold, CancellationToken cancellationToken)
    {
        var version = versionReply.IsNull ? 0 : (long)versionReply;
        if (version == 0)
        {
            return CacheLookupResult.Miss;
        }

        _local.TryGetValue(keys.Id, out var index);
        if (index is null || index.Version != version)
        {
            var started = false;
            var sync = _syncing.GetOrAdd(keys.Id, _ =>
            {
                started = true;
                return SyncOnceAsync(keys, index, version);
            });
            if (started || index is null)
            {
                index = await sync.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        // The candidates above the threshold, most similar first; the first that the acceptance rule takes answers.
        var candidates = VectorMath.Above(embedding, index.Vectors, index.Count, threshold, _redisOptions.CandidateCount);
        foreach (var (row, _) in candidates)
        {
            var entry = await ReadEntryAsync(keys, index.Ids[row]).ConfigureAwait(false);
            if (entry is null)
            {
                // Expired since the sync: force a fresh one next time.
                _local[keys.Id] = index with { Version = -1 };
                continue;
            }

            var score = VectorMath.Dot(embedding, entry.Embedding);
            if (_options.Accepts(query, entry, score, threshold))
            {
                return new CacheLookupResult(CacheLookupKind.SemanticHit, entry, score);
            }
        }

        return CacheLookupResult.Miss;
    }

    private async Task<LocalIndex> SyncOnceAsync(PartitionKeys keys, LocalIndex? previous, long version)
    {
        try
        {
            // Not tied to one request's cancellation: other lookups share the result.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return await SyncAsync(keys, previous, version).WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            _syncing.TryRemove(keys.Id, out _);
        }
    }

    private async Task<LocalIndex> SyncAsync(PartitionKeys keys, LocalIndex? previous, long version)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var live = await _db.SortedSetRangeByScoreAsync(keys.Expiries, now, double.PositiveInfinity).ConfigureAwait(false);
        var liveIds = new HashSet<string>(live.Length, StringComparer.Ordinal);
        foreach (var item in live)
        {
            liveIds.Add(item.ToString());
        }

        var known = new HashSet<string>(StringComparer.Ordinal);
        var kept = 0;
        if (previous is not null)
        {
            for (var i = 0; i < previous.Count; i++)
            {
                known.Add(previous.Ids[i]);
                kept += liveIds.Contains(previous.Ids[i]) ? 1 : 0;
            }
        }

        var fetches = new List<(string Id, Task<RedisValue> Vector)>();
        foreach (var id in liveIds)
        {
            if (!known.Contains(id))
            {
                fetches.Add((id, _db.HashGetAsync(keys.Entry(id), "v")));
            }
        }

        var dimensions = _embedder.Dimensions;
        var added = new List<(string Id, float[] Vector)>(fetches.Count);
        foreach (var (id, fetch) in fetches)
        {
            var vector = await fetch.ConfigureAwait(false);
            if (!vector.IsNull && ((byte[])vector!).Length == dimensions * sizeof(float))
            {
                added.Add((id, StoredEntry.VectorFromBytes((byte[])vector!)));
            }
        }

        var index = previous is not null && kept == previous.Count
            ? previous.Append(added, dimensions)
            : LocalIndex.Rebuild(previous, liveIds, added, dimensions);
        index = index with { Version = version };
        if (_local.Count >= _redisOptions.MaxLocalPartitions && !_local.ContainsKey(keys.Id))
        {
            // Simple bound: forget every partition; each is rebuilt from Redis on its next lookup.
            _local.Clear();
        }

        _local[keys.Id] = index;
        return index;
    }

    /// <summary>
    /// A snapshot of one partition's vectors. Rows [0, Count) never change once written, so a snapshot may share
    /// its arrays with a later one that appended rows past its Count.
    /// </summary>
    /// <param name="Ids">Capacity >= Count; the first Count are live.</param>
    /// <param name="Vectors">Capacity x dimensions, row-major; the first Count rows are live.</param>
    private sealed record LocalIndex(long Version, string[] Ids, float[] Vectors, int Count)
    {
        public LocalIndex Append(List<(string Id, float[] Vector)> added, int dimensions)
        {
            if (added.Count == 0)
            {
                return this;
            }

            var ids = Ids;
            var vectors = Vectors;
            if (Count + added.Count > ids.Length)
            {
                var capacity = Math.Max(16, Math.Max(ids.Length * 2, Count + added.Count));
                ids = new string[capacity];
                Array.Copy(Ids, ids, Count);
                vectors = new float[capacity * dimensions];
                Array.Copy(Vectors, vectors, Count * dimensions);
            }

            for (var i = 0; i < added.Count; i++)
            {
                ids[Count + i] = added[i].Id;
                added[i].Vector.CopyTo(vectors, (Count + i) * dimensions);
            }

            return this with { Ids = ids, Vectors = vectors, Count = Count + added.Count };
        }

        public static LocalIndex Rebuild(LocalIndex? previous, HashSet<string> live, List<(string Id, float[] Vector)> added, int dimensions)
        {
            var fresh = new LocalIndex(0, [], [], 0);
            var kept = new List<(string Id, float[] Vector)>();
            if (previous is not null)
            {
                for (var i = 0; i < previous.Count; i++)
                {
                    if (live.Contains(previous.Ids[i]))
                    {
                        kept.Add((previous.Ids[i], previous.Vectors.AsSpan(i * dimensions, dimensions).ToArray()));
                    }
                }
            }

            kept.AddRange(added);
            return fresh.Append(kept, dimensions);
        }
    }
}
