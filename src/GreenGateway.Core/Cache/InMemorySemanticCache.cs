namespace GreenGateway.Core.Cache;

/// <summary>
/// The embedded cache for a single gateway without Redis: per partition, a map from prompt hash to entry and
/// the entries' vectors in one array for brute-force nearest-neighbour search. Expired entries are dropped when
/// their partition is next touched.
/// </summary>
public sealed class InMemorySemanticCache : ISemanticCache
{
    private readonly IEmbedder _embedder;
    private readonly SemanticCacheOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<CacheEntry>> _partitions = new(StringComparer.Ordinal);

    public InMemorySemanticCache(IEmbedder embedder, SemanticCacheOptions? options = null, TimeProvider? timeProvider = null)
    {
        _embedder = embedder;
        _options = options ?? new SemanticCacheOptions();
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _time = timeProvider ?? TimeProvider.System;
    }

    public async ValueTask<CacheLookupResult> LookupAsync(CacheQuery query, CancellationToken cancellationToken)
    {
        if (_options.Bypasses(query))
        {
            return CacheLookupResult.Bypass;
        }

        var hash = CacheKeys.PromptHash(query.Prompt);
        var embedding = await _embedder.EmbedAsync(query.Prompt, cancellationToken).ConfigureAwait(false);
        var threshold = _options.ThresholdFor(query.Partition.TenantId);
        lock (_lock)
        {
            if (!_partitions.TryGetValue(query.Partition.Id, out var entries))
            {
                return CacheLookupResult.Miss;
            }

            RemoveExpired(entries, _time.GetUtcNow(), null);
            CacheEntry? best = null;
            var bestScore = float.NegativeInfinity;
            foreach (var entry in entries)
            {
                if (entry.PromptHash == hash)
                {
                    return new CacheLookupResult(CacheLookupKind.ExactHit, entry, 1);
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
    }

    public async ValueTask<bool> StoreAsync(CacheQuery query, CachedAnswer answer, CancellationToken cancellationToken)
    {
        if (_options.Bypasses(query))
        {
            return false;
        }

        var embedding = await _embedder.EmbedAsync(query.Prompt, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var entry = new CacheEntry(Guid.NewGuid().ToString("N"), CacheKeys.PromptHash(query.Prompt), embedding, answer, now, now + _options.EntryTimeToLive);
        lock (_lock)
        {
            if (!_partitions.TryGetValue(query.Partition.Id, out var entries))
            {
                entries = [];
                _partitions[query.Partition.Id] = entries;
            }

            RemoveExpired(entries, now, entry.PromptHash);
            if (entries.Count >= _options.MaxEntriesPerPartition)
            {
                entries.RemoveAt(0);
            }

            entries.Add(entry);
        }

        return true;
    }

    /// <summary>Drops expired entries and, when <paramref name="replacedHash"/> is given, the entry a new one replaces.</summary>
    private static void RemoveExpired(List<CacheEntry> entries, DateTimeOffset now, string? replacedHash)
    {
        for (var i = entries.Count - 1; i >= 0; i--)
        {
            if (entries[i].ExpiresAt <= now || entries[i].PromptHash == replacedHash)
            {
                entries.RemoveAt(i);
            }
        }
    }
}
