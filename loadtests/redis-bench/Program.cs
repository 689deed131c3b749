using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using GreenGateway.Core.Budgets;
using GreenGateway.Core.Cache;

namespace GreenGateway.RedisBench;

/// <summary>
/// The Redis client under the gateway's own workload, against redis-benchmark (the C reference client from Debian's
/// redis-tools) on one redis-server: pipelined SET/GET at the same number of commands in flight, the budget ledger's
/// reserve + settle pairs per second at a given number of requests in flight, and the semantic cache's lookup latency
/// (client-side search on Redis 7) one lookup at a time. Prints a table and one "RESULT name value" line per figure, which
/// before-after.sh collects from this build and from the same program built on the former client (before/Backend.cs).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var clients = Option(args, "--clients", 50);
        var pipeline = Option(args, "--pipeline", 16);
        var requests = Option(args, "--requests", 500_000);
        var pairs = Option(args, "--ledger-pairs", 60_000);
        var inFlight = OptionText(args, "--ledger-in-flight", "16,1000").Split(',').Select(int.Parse).ToArray();
        var lookups = Option(args, "--lookups", 2_000);
        var skipReference = args.Contains("--no-redis-benchmark");
        var port = Option(args, "--port", 0);
        Process? server = null;
        if (port == 0)
        {
            port = FreePort();
            server = Process.Start(new ProcessStartInfo("redis-server", ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            {
                RedirectStandardOutput = true,
            })!;
        }

        try
        {
            await WaitForServerAsync(port);
            var url = $"redis://127.0.0.1:{port}";
            Console.WriteLine($"{Backend.Name} on redis-server 127.0.0.1:{port}");
            await using var backend = await Backend.ConnectAsync(url, clients);

            foreach (var test in new[] { "SET", "GET" })
            {
                if (!skipReference)
                {
                    Report($"redis-benchmark {test} ops/s (c{clients} P{pipeline})", RunRedisBenchmark(port, test, clients, pipeline, requests));
                }

                Report($"client {test} ops/s (c{clients} P{pipeline})", await RunSetGetAsync(backend, test == "SET", clients, pipeline, requests));
            }

            foreach (var depth in inFlight)
            {
                Report($"ledger reserve+settle pairs/s ({depth} in flight)", await RunLedgerAsync(backend.Ledger, pairs, depth));
            }

            var (p50, p99) = await RunCacheLookupsAsync(backend.Cache, lookups);
            Report("cache lookup p50 us (500 entries, client-side search)", p50);
            Report("cache lookup p99 us (500 entries, client-side search)", p99);
            return 0;
        }
        finally
        {
            if (server is not null)
            {
                server.Kill();
                await server.WaitForExitAsync();
            }
        }
    }

    private static void Report(string name, double value) =>
        Console.WriteLine(FormattableString.Invariant($"RESULT {name}\t{value:0.##}"));

    private static async Task<double> RunSetGetAsync(Backend backend, bool set, int clients, int pipeline, int requests)
    {
        // redis-benchmark without -r uses this literal key and, by default, a 3-byte value.
        var key = "key:__rand_int__"u8.ToArray();
        var value = "xxx"u8.ToArray();
        var perClient = requests / clients;
        var clock = Stopwatch.StartNew();
        var workers = new Task[clients];
        for (var c = 0; c < clients; c++)
        {
            var worker = c;
            workers[c] = Task.Run(() => backend.RunWorkerAsync(worker, set, key, value, perClient, pipeline));
        }

        await Task.WhenAll(workers);
        return perClient * clients / clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// <paramref name="depth"/> workers, each a request after another: reserve an estimate, settle the actual figure, as the
    /// gateway does per request. 64 tenants, so that the keys spread as many tenants' do; limits that never refuse.
    /// </summary>
    private static async Task<double> RunLedgerAsync(IBudgetLedger ledger, int pairs, int depth)
    {
        var now = DateTimeOffset.UtcNow;
        BudgetLimit[] limits = [new(BudgetWindow.Hour, 1e12, 1e12), new(BudgetWindow.Day, 1e12, null)];
        var run = Guid.NewGuid().ToString("N")[..8];
        var next = -1;
        var clock = Stopwatch.StartNew();
        var workers = new Task[depth];
        for (var w = 0; w < depth; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < pairs)
                {
                    var request = new ReserveRequest($"bench-{run}-{i % 64}", $"r{i}", new EnergyCarbon(6.5, 0.001), limits, now);
                    var outcome = await ledger.ReserveAsync(request, CancellationToken.None);
                    await ledger.SettleAsync(outcome.Reservation!, new EnergyCarbon(3.25, 0.0005), CancellationToken.None);
                }
            });
        }

        await Task.WhenAll(workers);
        return pairs / clock.Elapsed.TotalSeconds;
    }

    /// <summary>500 stored answers in one partition, then lookups one at a time: a third exact, a third paraphrased, a third unrelated.</summary>
    private static async Task<(double P50, double P99)> RunCacheLookupsAsync(ISemanticCache cache, int lookups)
    {
        var partition = new CachePartition($"bench-{Guid.NewGuid():N}", "m", "p", "c");
        var answer = new CachedAnswer("m", "An answer.", "stop", "{}", 10, 5, 20, 0.002);
        for (var i = 0; i < 500; i++)
        {
            await cache.StoreAsync(new CacheQuery(partition, $"What does method number {i} of the collection API return?", 0), answer, CancellationToken.None);
        }

        var samples = new double[lookups];
        for (var i = 0; i < lookups + 100; i++)
        {
            var prompt = (i % 3) switch
            {
                0 => $"What does method number {i % 500} of the collection API return?",
                1 => $"what is returned by method number {i % 500} of the collection API",
                _ => $"How tall is mountain {i}?",
            };
            var started = Stopwatch.GetTimestamp();
            await cache.LookupAsync(new CacheQuery(partition, prompt, 0), CancellationToken.None);
            if (i >= 100)
            {
                // The first hundred warm up (JIT, the partition's local index).
                samples[i - 100] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            }
        }

        Array.Sort(samples);
        return (samples[samples.Length / 2], samples[(int)(samples.Length * 0.99)]);
    }

    private static double RunRedisBenchmark(int port, string test, int clients, int pipeline, int requests)
    {
        var info = new ProcessStartInfo("redis-benchmark", ["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-c", clients.ToString(CultureInfo.InvariantCulture),
            "-P", pipeline.ToString(CultureInfo.InvariantCulture), "-n", requests.ToString(CultureInfo.InvariantCulture), "-t", test.ToLowerInvariant(), "--csv"])
        {
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();

        // --csv prints a header line, then "\"SET\",\"123456.78\",..." per test.
        foreach (var line in output.Split('\n'))
        {
            var fields = line.Split(',');
            if (fields.Length > 1 && fields[0].Trim('"') == test)
            {
                return double.Parse(fields[1].Trim('"'), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"unexpected redis-benchmark output: {output}");
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string OptionText(string[] args, string name, string fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task WaitForServerAsync(int port)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException("redis-server did not start");
    }
}
