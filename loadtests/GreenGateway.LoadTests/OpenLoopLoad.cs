using System.Diagnostics;

namespace GreenGateway.LoadTests;

/// <summary>
/// Open-model load at a constant arrival rate: request i is due at start + i / rate whether or not
/// earlier ones have finished, and its latency counts from when it was due, so that a slow server
/// cannot slow the load down and hide its own queueing (no coordinated omission).
/// </summary>
internal static class OpenLoopLoad
{
    public static async Task<LatencySample> RunAsync(Func<CancellationToken, Task<bool>> send, double rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var count = (int)(rate * duration.TotalSeconds);
        var latencies = new double[count];
        var ok = new bool[count];
        var inFlight = new List<Task>(count);
        var clock = Stopwatch.StartNew();
        var ticksPerRequest = Stopwatch.Frequency / rate;
        var next = 0;
        while (next < count)
        {
            // Every request whose due time has come is sent now; none is sent early. Waiting by timer,
            // never by spinning, keeps the generator off the cores the servers need.
            var now = clock.ElapsedTicks;
            while (next < count && (long)(next * ticksPerRequest) <= now)
            {
                var index = next++;
                var due = (long)(index * ticksPerRequest);
                inFlight.Add(Task.Run(async () =>
                {
                    var success = await send(cancellationToken);
                    latencies[index] = (clock.ElapsedTicks - due) * 1000.0 / Stopwatch.Frequency;
                    ok[index] = success;
                }, cancellationToken));
            }

            if (next < count)
            {
                await Task.Delay(1, cancellationToken);
            }
        }

        await Task.WhenAll(inFlight);
        return new LatencySample(latencies, ok.Count(x => !x), clock.Elapsed);
    }
}

/// <summary>Latencies in milliseconds of one run, and its errors.</summary>
internal sealed class LatencySample(double[] latencies, int errors, TimeSpan elapsed)
{
    private readonly double[] _sorted = latencies.Order().ToArray();

    public int Count => _sorted.Length;

    public int Errors { get; } = errors;

    public double Throughput => Count / elapsed.TotalSeconds;

    public double Percentile(double p)
    {
        if (_sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100.0 * _sorted.Length) - 1;
        return _sorted[Math.Clamp(rank, 0, _sorted.Length - 1)];
    }

    public static LatencySample Merge(IEnumerable<LatencySample> samples)
    {
        var list = samples.ToList();
        return new LatencySample(list.SelectMany(s => s._sorted).ToArray(), list.Sum(s => s.Errors), TimeSpan.FromTicks(list.Sum(s => (long)(s.Count / s.Throughput * TimeSpan.TicksPerSecond))));
    }
}
