using GreenGateway.Core.Cache;
using StackExchange.Redis;

namespace GreenGateway.Redis.Cache;

public sealed partial class RedisSemanticCache
{
    // VSIM scores come from quantized vectors on Redis 8 (Q8 by default); candidates this close below the
    // threshold are still fetched and re-scored exactly against the stored float32 vector.
    private const double CandidateSlack = 0.05;

    private async ValueTask<CacheLookupResult> RescoreCandidatesAsync(CacheQuery query, PartitionKeys keys, VectorEngine engine, float[] embedding, RedisResult reply, double threshold, CancellationToken cancellationToken)
    {
        // RESP2: [id, score, id, score...]; RESP3: a map id → score, which SE.Redis also hands out as a flat array.
        cancellationToken.ThrowIfCancellationRequested();
        var items = (RedisResult[])reply!;
        var reads = new List<(string Id, Task<CacheEntry?> Entry)>();
        for (var i = 0; i + 1 < items.Length; i += 2)
        {
            if (VectorScores.ToCosine(engine, (double)items[i + 1]) >= threshold - CandidateSlack)
            {
                var id = items[i].ToString();
                reads.Add((id, ReadEntryAsync(keys, id)));
            }
        }

        var candidates = new List<(CacheEntry Entry, float Score)>(reads.Count);
        foreach (var (id, read) in reads)
        {
            var entry = await read.ConfigureAwait(false);
            if (entry is null)
            {
                // The entry expired; its vector-set element is only a pointer now.
                await _db.ExecuteAsync("VREM", (RedisKey)keys.Vectors, id).ConfigureAwait(false);
                continue;
            }

            candidates.Add((entry, VectorMath.Dot(embedding, entry.Embedding)));
        }

        // The most similar neighbour that the acceptance rule takes (the exact score, then the lexical guard).
        candidates.Sort(static (a, b) => b.Score.CompareTo(a.Score));
        foreach (var (entry, score) in candidates)
        {
            if (_options.Accepts(query, entry, score, threshold))
            {
                return new CacheLookupResult(CacheLookupKind.SemanticHit, entry, score);
            }
        }

        return CacheLookupResult.Miss;
    }

    /// <summary>Drops ids whose expiry has passed from the expiry set and the vector set, and trims the partition to its cap.</summary>
    private async ValueTask SweepAsync(PartitionKeys keys, VectorEngine engine, DateTimeOffset now)
    {
        var expired = await _db.SortedSetRangeByScoreAsync(keys.Expiries, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: 128).ConfigureAwait(false);
        var ids = new List<string>(expired.Length);
        foreach (var id in expired)
        {
            ids.Add(id.ToString());
        }

        var count = await _db.SortedSetLengthAsync(keys.Expiries).ConfigureAwait(false) - ids.Count;
        if (count > _options.MaxEntriesPerPartition)
        {
            // Over the cap: the entries closest to expiry (the oldest) go.
            var excess = await _db.SortedSetRangeByRankAsync(keys.Expiries, ids.Count, ids.Count + count - _options.MaxEntriesPerPartition - 1).ConfigureAwait(false);
            foreach (var id in excess)
            {
                ids.Add(id.ToString());
            }
        }

        if (ids.Count == 0)
        {
            return;
        }

        var removals = new List<Task>(ids.Count * 3);
        foreach (var id in ids)
        {
            removals.Add(_db.SortedSetRemoveAsync(keys.Expiries, id));
            removals.Add(_db.KeyDeleteAsync(keys.Entry(id)));
            if (engine != VectorEngine.None)
            {
                removals.Add(_db.ExecuteAsync("VREM", (RedisKey)keys.Vectors, id));
            }
            else
            {
                // Replicas' client-side indexes learn of the removal from the log.
                removals.Add(_db.ListRightPushAsync(keys.Log, "-" + id));
            }
        }

        if (engine == VectorEngine.None)
        {
            removals.Add(_db.StringIncrementAsync(keys.Version));
        }

        await Task.WhenAll(removals).ConfigureAwait(false);
    }

    /// <summary>Key names of one partition; the braces make the partition id the cluster hash tag.</summary>
    private readonly struct PartitionKeys(string prefix, CachePartition partition, string embedder)
    {
        private readonly string _root = $"{prefix}:{{{CacheKeys.Hash(partition.Id + "\0" + embedder)}}}";

        public string Id => _root;

        public string Vectors => _root + ":v";

        public string Expiries => _root + ":z";

        public string Version => _root + ":ver";

        public string Log => _root + ":log";

        public string LogEpoch => _root + ":epoch";

        public string Entry(string id) => $"{_root}:e:{id}";

        public string Exact(string promptHash) => $"{_root}:x:{promptHash}";
    }
}
