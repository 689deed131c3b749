namespace GreenGateway.Inference.Cuda.Energy;

/// <summary>
/// A cheap view of a slow counter. NVML's total-energy counter was measured on the H200 machine to change 10 times
/// a second and to take about 3.4 ms a read (docs/cuda.md), too slow to read at every request's start and end. So
/// a timer reads it every <c>interval</c>, and <see cref="ReadJoules"/> returns the last reading plus the power
/// between the last two changes times the time since (capped at one second), never less than it returned before:
/// per-request figures are interpolated between the counter's updates, and their sum follows the counter.
/// </summary>
public sealed class SampledEnergyCounter : IEnergyCounter, IDisposable
{
    private static readonly TimeSpan MaxExtrapolation = TimeSpan.FromSeconds(1);

    private readonly IEnergyCounter _source;
    private readonly TimeProvider _time;
    private readonly ITimer? _timer;
    private readonly Lock _gate = new();
    private readonly Lock _sampling = new();
    private bool _disposed;
    private double _joules;
    private long _changedAt;
    private double _watts;
    private double _returned;

    /// <param name="source">The slow counter.</param>
    /// <param name="interval">How often to read it; <see cref="Timeout.InfiniteTimeSpan"/> for no timer (tests call <see cref="Sample"/>).</param>
    /// <param name="time">The clock. Default <see cref="TimeProvider.System"/>.</param>
    public SampledEnergyCounter(IEnergyCounter source, TimeSpan interval, TimeProvider? time = null)
    {
        _source = source;
        _time = time ?? TimeProvider.System;
        _joules = source.ReadJoules();
        _returned = _joules;
        _changedAt = _time.GetTimestamp();
        if (interval != Timeout.InfiniteTimeSpan)
        {
            _timer = _time.CreateTimer(static state => ((SampledEnergyCounter)state!).Sample(), this, interval, interval);
        }
    }

    /// <summary>Reads the source now.</summary>
    public void Sample()
    {
        double joules;
        long now;
        lock (_sampling)
        {
            // A timer callback may still be running when Dispose is called; after Dispose the source (NVML) may be shut down.
            if (_disposed)
            {
                return;
            }

            joules = _source.ReadJoules();
            now = _time.GetTimestamp();
        }

        lock (_gate)
        {
            if (joules != _joules)
            {
                var seconds = _time.GetElapsedTime(_changedAt, now).TotalSeconds;
                _watts = seconds > 0 ? Math.Max(0, joules - _joules) / seconds : 0;
                _joules = joules;
                _changedAt = now;
            }
        }
    }

    public double ReadJoules()
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            var since = _time.GetElapsedTime(_changedAt, now);
            var estimate = _joules + _watts * Math.Min(since.TotalSeconds, MaxExtrapolation.TotalSeconds);
            _returned = Math.Max(_returned, estimate);
            return _returned;
        }
    }

    /// <summary>Stops the timer; once this returns, the source is not read again.</summary>
    public void Dispose()
    {
        lock (_sampling)
        {
            _disposed = true;
        }

        _timer?.Dispose();
    }
}
