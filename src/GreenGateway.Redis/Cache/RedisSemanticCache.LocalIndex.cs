using System.Collections.Concurrent;
using GreenGateway.Core.Cache;
using StackExchange.Redis;

namespace GreenGateway.Redis.Cache;

public sealed partial class RedisSemanticCache
{
    // Rewrites a partition's log as one "+id" per live entry (atomically, so no store lands in between) and bumps its
    // epoch, which tells every replica to replay the new log from the start. KEYS: z, log, epoch, ver.
    // ARGV: now (ms), the keys' time to live (ms).
    private const string CompactLogScript = """
        local live = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')
        redis.call('DEL', KEYS[2])
        local chunk = {}
        for _, id in ipairs(live) do
          chunk[#chunk + 1] = '+' .. id
          if #chunk == 1000 then
            redis.call('RPUSH', KEYS[2], unpack(chunk))
            chunk = {}
          end
        end
        if #chunk > 0 then
          redis.call('RPUSH', KEYS[2], unpack(chunk))
        end
        redis.call('PEXPIRE', KEYS[2], ARGV[2])
        redis.call('INCR', KEYS[3])
        redis.call('PEXPIRE', KEYS[3], ARGV[2])
        redis.call('INCR', KEYS[4])
        redis.call('PEXPIRE', KEYS[4], ARGV[2])
        return #live
        """;

    private readonly ConcurrentDictionary<string, LocalIndex> _local = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<LocalIndex>> _syncing = new(StringComparer.Ordinal);

    /// <summary>
    /// Client-side search for servers without vector sets. Each replica keeps a partition's vectors in memory and
    /// compares the partition's <c>ver</c> counter (fetched with the exact-match GET) with the one it synced at. Every
    /// store appends <c>+id</c> and every removal <c>-id</c> to the partition's <c>log</c> list, so when another
    /// replica has written since, one sync at a time reads only the log's new tail and fetches only the new vectors:
    /// its cost follows the changes, not the partition's size. Removed rows are flagged and their slots reused. The lookup that starts a sync waits for it (so a store is
    /// seen by the next lookup); lookups that find one in flight use the index they have instead of piling up.
    /// </summary>
    private async ValueTask<CacheLookupResult> SearchLocallyAsync(CacheQuery query, PartitionKeys keys, float[] embedding, RedisValue versionReply, double threshold, CancellationToken cancellationToken)
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
        var rows = index.Rows;
        var candidates = VectorMath.Above(embedding, rows.Vectors, rows.Count, threshold, _redisOptions.CandidateCount, rows.Dead);
        foreach (var (row, _) in candidates)
        {
            // An entry that expired since the sync reads as null; the sweep logs its removal.
            var entry = await ReadEntryAsync(keys, rows.Ids[row]).ConfigureAwait(false);
            if (entry is null)
            {
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
        // The log's epoch, length and new tail in one transaction, so a compaction cannot fall between them.
        var from = previous?.LogOffset ?? 0;
        var read = _db.CreateTransaction();
        var epochRead = read.StringGetAsync(keys.LogEpoch);
        var lengthRead = read.ListLengthAsync(keys.Log);
        var tailRead = read.ListRangeAsync(keys.Log, from, -1);
        await read.ExecuteAsync().ConfigureAwait(false);
        var epochValue = await epochRead.ConfigureAwait(false);
        var epoch = epochValue.IsNull ? 0 : (long)epochValue;
        var length = await lengthRead.ConfigureAwait(false);
        var tail = await tailRead.ConfigureAwait(false);
        if (previous is not null && (previous.Epoch != epoch || length < from))
        {
            // Compacted, or expired and begun again: replay the whole log.
            return await SyncAsync(keys, null, version).ConfigureAwait(false);
        }

        // Replay: ids are unique (a GUID per store), so an id added and removed within the tail never lands.
        var added = new List<string>();
        var addedSet = new HashSet<string>(StringComparer.Ordinal);
        var removed = new List<string>();
        foreach (var item in tail)
        {
            var text = item.ToString();
            if (text.Length < 2)
            {
                continue;
            }

            var id = text[1..];
            if (text[0] == '+')
            {
                if (addedSet.Add(id))
                {
                    added.Add(id);
                }
            }
            else if (text[0] == '-' && !addedSet.Remove(id))
            {
                removed.Add(id);
            }
        }

        var fetches = new List<(string Id, Task<RedisValue> Vector)>(addedSet.Count);
        foreach (var id in added)
        {
            if (addedSet.Contains(id))
            {
                fetches.Add((id, _db.HashGetAsync(keys.Entry(id), "v")));
            }
        }

        var dimensions = _embedder.Dimensions;
        var vectors = new List<(string Id, float[] Vector)>(fetches.Count);
        foreach (var (id, fetch) in fetches)
        {
            var vector = await fetch.ConfigureAwait(false);
            if (!vector.IsNull && ((byte[])vector!).Length == dimensions * sizeof(float))
            {
                vectors.Add((id, StoredEntry.VectorFromBytes((byte[])vector!)));
            }
        }

        var index = (previous ?? new LocalIndex(dimensions)).Apply(removed, vectors, version, epoch, from + tail.Length);
        if (_local.Count >= _redisOptions.MaxLocalPartitions && !_local.ContainsKey(keys.Id))
        {
            // Simple bound: forget every partition; each is rebuilt from Redis on its next lookup.
            _local.Clear();
        }

        _local[keys.Id] = index;
        return index;
    }

    /// <summary>Appends a store's <c>+id</c> to the partition's log (part of the store's batch); the log's length after it is returned.</summary>
    private static Task<long> LogStore(IBatch batch, PartitionKeys keys, string id, TimeSpan ttl)
    {
        var pushed = batch.ListRightPushAsync(keys.Log, "+" + id);
        _ = batch.KeyExpireAsync(keys.Log, ttl);
        _ = batch.KeyExpireAsync(keys.LogEpoch, ttl);
        return pushed;
    }

    /// <summary>Rewrites the log as its live entries once it holds more than four times the partition's cap.</summary>
    private async ValueTask CompactLogIfLongAsync(PartitionKeys keys, long length, DateTimeOffset now)
    {
        if (length <= (4L * _options.MaxEntriesPerPartition) + 64)
        {
            return;
        }

        await _db.ScriptEvaluateAsync(
            CompactLogScript,
            [keys.Expiries, keys.Log, keys.LogEpoch, keys.Version],
            [now.ToUnixTimeMilliseconds(), (long)_options.EntryTimeToLive.TotalMilliseconds]).ConfigureAwait(false);
    }

    /// <summary>
    /// One partition's vectors on one replica. <see cref="Rows"/> is a snapshot whose arrays later snapshots may share.
    /// A removed row is flagged dead and its slot reused by a later addition, so under steady churn (a full partition
    /// evicting its oldest entry on every store) the arrays neither grow nor get copied: no large-object garbage. A
    /// lookup scanning while a slot is rewritten may score a half-written row, but a candidate is only ever accepted
    /// after its entry is read from Redis and scored against the vector stored with it, so the worst case is a miss.
    /// </summary>
    private sealed class LocalIndex(int dimensions)
    {
        private readonly Dictionary<string, int> _rowOf = new(StringComparer.Ordinal);
        private readonly Stack<int> _free = new();

        public long Version { get; private set; }

        public long Epoch { get; private set; }

        /// <summary>How many log items this index has replayed.</summary>
        public long LogOffset { get; private set; }

        public RowSet Rows { get; private set; } = new([], [], [], 0);

        /// <summary>Applies a sync's removals and additions; called by one sync at a time per partition.</summary>
        public LocalIndex Apply(List<string> removed, List<(string Id, float[] Vector)> added, long version, long epoch, long logOffset)
        {
            var rows = Rows;
            foreach (var id in removed)
            {
                if (_rowOf.Remove(id, out var row))
                {
                    Volatile.Write(ref rows.Dead[row], true);
                    _free.Push(row);
                }
            }

            var appended = new List<(string Id, float[] Vector)>();
            foreach (var (id, vector) in added)
            {
                if (_free.TryPop(out var row))
                {
                    vector.CopyTo(rows.Vectors, row * dimensions);
                    rows.Ids[row] = id;
                    Volatile.Write(ref rows.Dead[row], false);
                    _rowOf[id] = row;
                }
                else
                {
                    appended.Add((id, vector));
                }
            }

            if (appended.Count > 0)
            {
                rows = Append(rows, appended);
            }

            Rows = rows;
            Version = version;
            Epoch = epoch;
            LogOffset = logOffset;
            return this;
        }

        private RowSet Append(RowSet rows, List<(string Id, float[] Vector)> added)
        {
            var (ids, vectors, dead) = (rows.Ids, rows.Vectors, rows.Dead);
            var count = rows.Count;
            if (count + added.Count > ids.Length)
            {
                var capacity = Math.Max(16, Math.Max(ids.Length * 2, count + added.Count));
                ids = new string[capacity];
                Array.Copy(rows.Ids, ids, count);
                vectors = new float[capacity * dimensions];
                Array.Copy(rows.Vectors, vectors, count * dimensions);
                dead = new bool[capacity];
                Array.Copy(rows.Dead, dead, count);
            }

            foreach (var (id, vector) in added)
            {
                ids[count] = id;
                vector.CopyTo(vectors, count * dimensions);
                _rowOf[id] = count;
                count++;
            }

            return new RowSet(ids, vectors, dead, count);
        }
    }

    /// <param name="Ids">Capacity >= Count; the first Count are rows.</param>
    /// <param name="Vectors">Capacity x dimensions, row-major.</param>
    /// <param name="Dead">Capacity flags: a removed row.</param>
    private sealed record RowSet(string[] Ids, float[] Vectors, bool[] Dead, int Count);
}
