namespace GreenGateway.Core.Activity;

/// <summary>
/// Sums counts in process and hands them to a shared store (Redis) once per <paramref name="interval"/>, so that a busy
/// replica sends one increment per bucket and field each interval instead of one per request and field. A read goes to
/// the shared store: what this replica recorded in the last interval appears there at the next flush. Disposing it
/// flushes what is left.
/// </summary>
public sealed class BufferedActivityStore : IActivityStore, IAsyncDisposable
{
    private readonly IActivityStore _inner;
    private readonly Action<Exception> _failed;
    private readonly ITimer _timer;
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private Dictionary<(long MinuteTicks, ActivityCount Key), double> _pending = [];

    public BufferedActivityStore(IActivityStore inner, TimeSpan interval, TimeProvider time, Action<Exception> failed)
    {
        _inner = inner;
        _failed = failed;
        _timer = time.CreateTimer(static state => _ = ((BufferedActivityStore)state!).FlushAsync(), this, interval, interval);
    }

    public ValueTask AddAsync(DateTimeOffset at, IReadOnlyList<ActivityCount> counts, CancellationToken cancellationToken)
    {
        // Minute buckets are the finest: counts of one minute share every bucket above it too.
        var minute = ActivityBuckets.Start(ActivityResolution.Minute, at).UtcTicks;
        lock (_lock)
        {
            foreach (var count in counts)
            {
                var key = (minute, count with { Value = 0 });
                _pending[key] = _pending.GetValueOrDefault(key) + count.Value;
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<ActivityBucket>> ReadAsync(ActivityResolution resolution, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        _inner.ReadAsync(resolution, from, to, cancellationToken);

    /// <summary>Sends what was summed since the last flush, one call per minute it covers.</summary>
    public async Task FlushAsync()
    {
        await _flushing.WaitAsync().ConfigureAwait(false);
        try
        {
            Dictionary<(long MinuteTicks, ActivityCount Key), double> pending;
            lock (_lock)
            {
                if (_pending.Count == 0)
                {
                    return;
                }

                (pending, _pending) = (_pending, []);
            }

            foreach (var minute in pending.GroupBy(p => p.Key.MinuteTicks))
            {
                var counts = minute.Select(p => p.Key.Key with { Value = p.Value }).ToList();
                try
                {
                    await _inner.AddAsync(new DateTimeOffset(minute.Key, TimeSpan.Zero), counts, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    // The shared store is away: these counts are lost, never the requests they describe.
                    _failed(e);
                }
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync().ConfigureAwait(false);
        try
        {
            // A shared store that is away must not hold the gateway's shutdown: the last counts get two seconds.
            await FlushAsync().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }
}
