using System.Diagnostics;
using System.Globalization;

namespace GreenGateway.LoadTests.Targets;

/// <summary>One reading of a process: seconds since sampling began, CPU in cores over the last interval, resident memory in MB.</summary>
internal readonly record struct ProcessSample(double Seconds, double Cores, double RssMb);

/// <summary>
/// Reads a process's CPU time and resident memory from /proc once a second (proc(5): utime and stime,
/// fields 14 and 15 of /proc/PID/stat, in clock ticks of USER_HZ, 100 on Linux; VmRSS of /proc/PID/status).
/// </summary>
internal sealed class ProcessSampler : IAsyncDisposable
{
    private const double TicksPerSecond = 100;
    private readonly int _pid;
    private readonly List<ProcessSample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Stopwatch _clock;

    /// <param name="clock">The harness's clock: samples are stamped with its time, so that they line up with the load.</param>
    public ProcessSampler(int pid, Stopwatch clock)
    {
        _pid = pid;
        _clock = clock;
        _loop = Task.Run(LoopAsync);
    }

    public IReadOnlyList<ProcessSample> Samples
    {
        get
        {
            lock (_samples)
            {
                return [.. _samples];
            }
        }
    }

    public static bool TryRead(int pid, out double cpuSeconds, out double rssMb)
    {
        cpuSeconds = 0;
        rssMb = 0;
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");

            // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            cpuSeconds = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rssMb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        if (!TryRead(_pid, out var lastCpu, out _))
        {
            return;
        }

        var lastTime = _clock.Elapsed.TotalSeconds;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var now = _clock.Elapsed.TotalSeconds;
                if (!TryRead(_pid, out var cpu, out var rss))
                {
                    return; // the process is gone (a killed replica)
                }

                lock (_samples)
                {
                    _samples.Add(new ProcessSample(now, (cpu - lastCpu) / (now - lastTime), rss));
                }

                (lastCpu, lastTime) = (cpu, now);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }
}
