using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using GreenGateway.Redis.Connections;
using GreenGateway.Redis.Protocol;

namespace GreenGateway.RedisBench;

/// <summary>
/// Pipelined SET/GET throughput of GreenGateway's RESP client against redis-benchmark (the C reference client from
/// Debian's redis-tools), on one redis-server this program starts on a free loopback port, with the same number of
/// connections, pipeline depth, request count, key and value size. Each round runs both clients, alternating, and
/// the table reports the median of the rounds.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var clients = Option(args, "--clients", 50);
        var pipeline = Option(args, "--pipeline", 16);
        var requests = Option(args, "--requests", 1_000_000);
        var rounds = Option(args, "--rounds", 3);
        var tests = OptionText(args, "--tests", "SET,GET").Split(',');
        var port = FreePort();
        using var server = Process.Start(new ProcessStartInfo("redis-server", ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
        })!;
        try
        {
            await WaitForServerAsync(port);
            Console.WriteLine($"redis-server on 127.0.0.1:{port}; {clients} connections, pipeline {pipeline}, {requests:N0} requests per test, {rounds} rounds");
            var results = new Dictionary<string, List<double>>();
            for (var round = 0; round < rounds; round++)
            {
                foreach (var test in tests)
                {
                    Add(results, $"redis-benchmark {test}", RunRedisBenchmark(port, test, clients, pipeline, requests));
                    Add(results, $"GreenGateway {test}", await RunOursAsync(port, test, clients, pipeline, requests));
                }
            }

            Console.WriteLine();
            Console.WriteLine("| test | redis-benchmark ops/s | GreenGateway ops/s | ratio |");
            Console.WriteLine("|---|---:|---:|---:|");
            foreach (var test in tests)
            {
                var reference = Median(results[$"redis-benchmark {test}"]);
                var ours = Median(results[$"GreenGateway {test}"]);
                Console.WriteLine($"| {test} | {reference:N0} | {ours:N0} | {ours / reference:0.00} |");
            }

            return 0;
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync();
        }
    }

    private static async Task<double> RunOursAsync(int port, string test, int clients, int pipeline, int requests)
    {
        var options = RedisOptions.Parse($"redis://127.0.0.1:{port}") with { ClientName = null };
        var connections = new RedisConnection[clients];
        for (var i = 0; i < clients; i++)
        {
            connections[i] = await RedisConnection.ConnectAsync(options);
        }

        // redis-benchmark without -r uses this literal key and, by default, a 3-byte value.
        var key = "key:__rand_int__"u8.ToArray();
        var value = "xxx"u8.ToArray();
        var perClient = requests / clients;
        var clock = Stopwatch.StartNew();
        var workers = new Task[clients];
        for (var c = 0; c < clients; c++)
        {
            var connection = connections[c];
            workers[c] = Task.Run(() => WorkerAsync(connection, test == "SET", key, value, perClient, pipeline));
        }

        await Task.WhenAll(workers);
        clock.Stop();
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }

        var rate = perClient * clients / clock.Elapsed.TotalSeconds;
        Console.WriteLine($"GreenGateway    {test}: {rate,12:N0} ops/s");
        return rate;
    }

    /// <summary>Like redis-benchmark -P: send <paramref name="pipeline"/> commands, then wait for all their replies.</summary>
    private static async Task WorkerAsync(RedisConnection connection, bool set, byte[] key, byte[] value, int count, int pipeline)
    {
        var pending = new ValueTask<RespValue>[pipeline];
        for (var done = 0; done < count; done += pipeline)
        {
            var batch = Math.Min(pipeline, count - done);
            for (var i = 0; i < batch; i++)
            {
                pending[i] = set ? connection.ExecuteAsync("SET", [key, value]) : connection.ExecuteAsync("GET", [key]);
            }

            for (var i = 0; i < batch; i++)
            {
                await pending[i].ConfigureAwait(false);
            }
        }
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
                var rate = double.Parse(fields[1].Trim('"'), CultureInfo.InvariantCulture);
                Console.WriteLine($"redis-benchmark {test}: {rate,12:N0} ops/s");
                return rate;
            }
        }

        throw new InvalidOperationException($"unexpected redis-benchmark output: {output}");
    }

    private static void Add(Dictionary<string, List<double>> results, string name, double value)
    {
        if (!results.TryGetValue(name, out var list))
        {
            results[name] = list = [];
        }

        list.Add(value);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
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
