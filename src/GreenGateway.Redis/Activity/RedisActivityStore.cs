using System.Globalization;
using GreenGateway.Core.Activity;
using StackExchange.Redis;

namespace GreenGateway.Redis.Activity;

/// <summary>
/// The activity of every replica in Redis: one hash per bucket and resolution, <c>gg:act:{m|h|d}:{unix seconds}</c>, whose
/// fields are <see cref="ActivityCount.Field"/> and whose values are sums kept with <c>HINCRBYFLOAT</c>, so that replicas
/// add to the same buckets without reading them. Each bucket expires with its resolution's retention. A read is one
/// pipelined <c>HGETALL</c> per bucket (at most 60), each key on whatever cluster node holds it.
/// </summary>
public sealed class RedisActivityStore(IConnectionMultiplexer redis) : IActivityStore
{
    public const string KeyPrefix = "gg:act";

    public async ValueTask AddAsync(DateTimeOffset at, IReadOnlyList<ActivityCount> counts, CancellationToken cancellationToken)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var sent = new List<Task>();
        foreach (var resolution in (ActivityResolution[])[ActivityResolution.Minute, ActivityResolution.Hour, ActivityResolution.Day])
        {
            var start = ActivityBuckets.Start(resolution, at);
            var key = Key(resolution, start);
            foreach (var count in counts)
            {
                sent.Add(batch.HashIncrementAsync(key, count.Field, count.Value));
            }

            // An absolute expiry: a bucket goes when its retention ends, however late a count (a verdict) reaches it.
            sent.Add(batch.KeyExpireAsync(key, (start + ActivityBuckets.Retention(resolution)).UtcDateTime));
        }

        batch.Execute();
        await Task.WhenAll(sent).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<ActivityBucket>> ReadAsync(ActivityResolution resolution, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var reads = new List<(DateTimeOffset Start, Task<HashEntry[]> Entries)>();
        var length = ActivityBuckets.Length(resolution);
        for (var start = ActivityBuckets.Start(resolution, from); start <= to; start += length)
        {
            reads.Add((start, batch.HashGetAllAsync(Key(resolution, start))));
        }

        batch.Execute();
        var buckets = new List<ActivityBucket>();
        foreach (var (start, read) in reads)
        {
            var entries = await read.ConfigureAwait(false);
            if (entries.Length == 0)
            {
                continue;
            }

            var counts = new List<ActivityCount>(entries.Length);
            foreach (var entry in entries)
            {
                if (double.TryParse((string?)entry.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                    && ActivityCount.TryParse((string?)entry.Name ?? "", value, out var count))
                {
                    counts.Add(count);
                }
            }

            buckets.Add(new ActivityBucket(start, counts));
        }

        return buckets;
    }

    internal static RedisKey Key(ActivityResolution resolution, DateTimeOffset start)
    {
        var letter = resolution switch
        {
            ActivityResolution.Minute => "m",
            ActivityResolution.Hour => "h",
            _ => "d",
        };
        return string.Create(CultureInfo.InvariantCulture, $"{KeyPrefix}:{letter}:{start.ToUnixTimeSeconds()}");
    }
}
