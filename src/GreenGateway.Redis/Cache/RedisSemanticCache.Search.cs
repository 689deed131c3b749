using GreenGateway.Core.Cache;
using GreenGateway.Redis.Protocol;

namespace GreenGateway.Redis.Cache;

public sealed partial class RedisSemanticCache
{
    // VSIM scores come from quantized vectors on Redis 8 (Q8 by default); candidates this close below the
    // threshold are still fetched and re-scored exactly against the stored float32 vector.
    private const double CandidateSlack = 0.05;

    private async ValueTask<CacheLookupResult> RescoreCandidatesAsync(PartitionKeys keys, VectorEngine engine, float[] embedding, RespValue reply, double threshold, CancellationToken cancellationToken)
    {
        // RESP2: [id, score, id, score...]; RESP3: a map id → score, which the parser flattens the same way.
        var items = reply.Items;
        var reads = new List<(string Id, ValueTask<CacheEntry?> Entry)>();
        for (var i = 0; i + 1 < items.Length; i += 2)
        {
            if (VectorScores.ToCosine(engine, items[i + 1].AsDouble()) >= threshold - CandidateSlack)
            {
                var id = items[i].AsString()!;
                reads.Add((id, ReadEntryAsync(keys, id, cancellationToken)));
            }
        }

        CacheEntry? best = null;
        var bestScore = double.NegativeInfinity;
        foreach (var (id, read) in reads)
        {
            var entry = await read.ConfigureAwait(false);
            if (entry is null)
            {
                // The entry expired; its vector-set element is only a pointer now.
                await _client.ExecuteAsync("VREM", [keys.Vectors, id], cancellationToken).ConfigureAwait(false);
                continue;
            }

            var score = VectorMath.Dot(embedding, entry.Embedding);
            if (score > bestScore)
            {
                (best, bestScore) = (entry, score);
            }
        }

        return best is not null && bestScore >= threshold
            ? new CacheLookupResult(CacheLookupKind.SemanticHit, best, bestScore)
            : CacheLookupResult.Miss;
    }

    /// <summary>Drops ids whose expiry has passed from the expiry set and the vector set, and trims the partition to its cap.</summary>
    private async ValueTask SweepAsync(PartitionKeys keys, VectorEngine engine, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var expired = await _client.ExecuteAsync("ZRANGEBYSCORE", [keys.Expiries, "-inf", now.ToUnixTimeMilliseconds(), "LIMIT", 0, 128], cancellationToken).ConfigureAwait(false);
        var ids = new List<string>();
        foreach (var id in expired.Items)
        {
            ids.Add(id.AsString()!);
        }

        var count = (await _client.ExecuteAsync("ZCARD", [keys.Expiries], cancellationToken).ConfigureAwait(false)).AsInt64() - ids.Count;
        if (count > _options.MaxEntriesPerPartition)
        {
            // Over the cap: the entries closest to expiry (the oldest) go.
            var excess = await _client.ExecuteAsync("ZRANGE", [keys.Expiries, ids.Count, ids.Count + count - _options.MaxEntriesPerPartition - 1], cancellationToken).ConfigureAwait(false);
            foreach (var id in excess.Items)
            {
                ids.Add(id.AsString()!);
            }
        }

        if (ids.Count == 0)
        {
            return;
        }

        var removals = new List<ValueTask<RespValue>>(ids.Count * 3);
        foreach (var id in ids)
        {
            removals.Add(_client.ExecuteAsync("ZREM", [keys.Expiries, id], cancellationToken));
            removals.Add(_client.ExecuteAsync("DEL", [keys.Entry(id)], cancellationToken));
            if (engine != VectorEngine.None)
            {
                removals.Add(_client.ExecuteAsync("VREM", [keys.Vectors, id], cancellationToken));
            }
        }

        foreach (var removal in removals)
        {
            await removal.ConfigureAwait(false);
        }
    }

    /// <summary>Key names of one partition; the braces make the partition id the cluster hash tag.</summary>
    private readonly struct PartitionKeys(string prefix, CachePartition partition, string embedder)
    {
        private readonly string _root = $"{prefix}:{{{CacheKeys.Hash(partition.Id + "\0" + embedder)}}}";

        public string Id => _root;

        public string Vectors => _root + ":v";

        public string Expiries => _root + ":z";

        public string Version => _root + ":ver";

        public string Entry(string id) => $"{_root}:e:{id}";

        public string Exact(string promptHash) => $"{_root}:x:{promptHash}";
    }
}
