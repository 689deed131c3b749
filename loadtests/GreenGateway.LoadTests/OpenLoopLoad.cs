using System.Diagnostics;
using GreenGateway.LoadTests.Load;

namespace GreenGateway.LoadTests;

/// <summary>
/// Open-model load: request i is sent at its due time whether or not earlier ones have finished, and its
/// latency counts from when it was due, so that a slow server cannot slow the load down and hide its own
/// queueing (no coordinated omission). Bounded in count (the schedule) and in time (a hard deadline after
/// which whatever is still running is cancelled and counted as failed).
/// </summary>
internal static class OpenLoopLoad
{
    public static async Task<Completed[]> RunAsync(
        double[] due,
        Func<int, CancellationToken, Task<RequestResult>> send,
        TimeSpan deadline,
        Action<Progress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var results = new Completed[due.Length];
        var inFlight = new List<Task>(due.Length);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(deadline);
        var clock = Stopwatch.StartNew();
        var done = 0;
        var next = 0;
        var lastReport = 0.0;
        while (next < due.Length && !stop.IsCancellationRequested)
        {
            // Every request whose due time has come is sent now; none is sent early. Waiting by timer,
            // never by spinning, keeps the generator off the cores the servers need.
            var now = clock.Elapsed.TotalSeconds;
            while (next < due.Length && due[next] <= now)
            {
                var index = next++;
                inFlight.Add(Task.Run(async () =>
                {
                    var result = await send(index, stop.Token);
                    var finished = clock.Elapsed.TotalSeconds;
                    results[index] = new Completed(due[index], finished, (finished - due[index]) * 1000.0, result);
                    Interlocked.Increment(ref done);
                }, CancellationToken.None));
            }

            if (progress is not null && now - lastReport >= 1)
            {
                lastReport = now;
                progress(new Progress(now, next, Volatile.Read(ref done), due.Length));
            }

            if (next < due.Length)
            {
                await Task.Delay(1, CancellationToken.None);
            }
        }

        await Task.WhenAll(inFlight);
        progress?.Invoke(new Progress(clock.Elapsed.TotalSeconds, next, done, due.Length));

        // Requests never sent (the deadline came first) count as failed at the deadline.
        for (var i = next; i < due.Length; i++)
        {
            results[i] = new Completed(due[i], deadline.TotalSeconds, (deadline.TotalSeconds - due[i]) * 1000.0, RequestResult.Failed(""));
        }

        return results;
    }
}

/// <summary>Where a run stands: seconds since start, requests sent and completed, and planned.</summary>
internal readonly record struct Progress(double Seconds, int Sent, int Completed, int Planned);
