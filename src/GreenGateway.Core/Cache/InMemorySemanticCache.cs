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

        // The exact match first: it needs no embedding.
        var hash = CacheKeys.PromptHash(query.Prompt);
        lock (_lock)
        {
            if (!_partitions.TryGetValue(query.Partition.Id, out var entries))
            {
                return CacheLookupResult.Miss;
            }

            RemoveExpired(entries, _time.GetUtcNow(), null);
            foreach (var entry in entries)
            {
                if (entry.PromptHash == hash)
                {
                    return new CacheLookupResult(CacheLookupKind.ExactHit, entry, 1);
                }
            }
        }

        var embedding = await query.EmbedAsync(_embedder, cancellationToken).ConfigureAwait(false);
        var threshold = _options.ThresholdFor(query.Partition.TenantId);
        var candidates = new List<(CacheEntry Entry, float Score)>();
        lock (_lock)
        {
            if (_partitions.TryGetValue(query.Partition.Id, out var entries))
            {
                foreach (var entry in entries)
                {
                    var score = VectorMath.Dot(embedding, entry.Embedding);
                    if (score >= threshold)
                    {
                        candidates.Add((entry, score));
                    }
                }
            }
        }

        // The most similar neighbour that the acceptance rule takes.
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

    public async ValueTask<bool> StoreAsync(CacheQuery query, CachedAnswer answer, CancellationToken cancellationToken)
    {
        if (_options.Bypasses(query))
        {
            return false;
        }

        var embedding = await query.EmbedAsync(_embedder, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var entry = new CacheEntry(Guid.NewGuid().ToString("N"), CacheKeys.PromptHash(query.Prompt), embedding, answer, now, now + _options.EntryTimeToLive, query.Prompt);
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
