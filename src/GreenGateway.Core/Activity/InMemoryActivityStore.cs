using System.Collections.Concurrent;

namespace GreenGateway.Core.Activity;

/// <summary>
/// The activity of this process alone (no Redis configured): one dictionary of sums per bucket, buckets older than their
/// resolution's retention dropped as new ones start.
/// </summary>
public sealed class InMemoryActivityStore(TimeProvider time) : IActivityStore
{
    private readonly ConcurrentDictionary<(ActivityResolution, long), ConcurrentDictionary<string, double>> _buckets = new();
    private long _lastPrune;

    public ValueTask AddAsync(DateTimeOffset at, IReadOnlyList<ActivityCount> counts, CancellationToken cancellationToken)
    {
        foreach (var resolution in (ReadOnlySpan<ActivityResolution>)[ActivityResolution.Minute, ActivityResolution.Hour, ActivityResolution.Day])
        {
            var start = ActivityBuckets.Start(resolution, at).UtcTicks;
            var bucket = _buckets.GetOrAdd((resolution, start), static _ => new ConcurrentDictionary<string, double>(StringComparer.Ordinal));
            foreach (var count in counts)
            {
                bucket.AddOrUpdate(count.Field, static (_, add) => add, static (_, sum, add) => sum + add, count.Value);
            }
        }

        Prune();
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<ActivityBucket>> ReadAsync(ActivityResolution resolution, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var result = new List<ActivityBucket>();
        var length = ActivityBuckets.Length(resolution);
        for (var start = ActivityBuckets.Start(resolution, from); start <= to; start += length)
        {
            if (!_buckets.TryGetValue((resolution, start.UtcTicks), out var sums) || sums.IsEmpty)
            {
                continue;
            }

            var counts = new List<ActivityCount>(sums.Count);
            foreach (var (field, value) in sums)
            {
                if (ActivityCount.TryParse(field, value, out var count))
                {
                    counts.Add(count);
                }
            }

            result.Add(new ActivityBucket(start, counts));
        }

        return ValueTask.FromResult<IReadOnlyList<ActivityBucket>>(result);
    }

    /// <summary>At most once a minute: drops the buckets past their retention.</summary>
    private void Prune()
    {
        var now = time.GetUtcNow();
        var minute = now.UtcTicks / TimeSpan.TicksPerMinute;
        var last = Interlocked.Read(ref _lastPrune);
        if (minute == last || Interlocked.CompareExchange(ref _lastPrune, minute, last) != last)
        {
            return;
        }

        foreach (var key in _buckets.Keys)
        {
            if (new DateTimeOffset(key.Item2, TimeSpan.Zero) + ActivityBuckets.Retention(key.Item1) < now)
            {
                _buckets.TryRemove(key, out _);
            }
        }
    }
}
