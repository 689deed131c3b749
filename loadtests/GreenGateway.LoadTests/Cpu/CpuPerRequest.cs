using System.Globalization;
using System.Text;
using GreenGateway.Core.Policies;
using GreenGateway.LoadTests.Load;
using GreenGateway.LoadTests.Reporting;
using GreenGateway.LoadTests.Scenarios;
using GreenGateway.LoadTests.Targets;

namespace GreenGateway.LoadTests.Cpu;

/// <summary>
/// CPU time per request of each process on the pass-through path, robust to neighbours' load: the
/// stand-in upstream, a bare YARP proxy and the gateway each run as their own child process, and each
/// block of a fixed-rate load is charged the CPU time (utime + stime from /proc) that every process
/// used during it, divided by the requests sent. CPU time is what a process itself ran, so other
/// processes on the machine move it far less than they move latency. Blocks alternate (direct, YARP,
/// gateway) for several rounds and the medians are reported.
/// </summary>
internal static class CpuPerRequest
{
    private const string Key = "gg-cpu-key";

    /// <param name="rate">Requests per second in each block.</param>
    /// <param name="seconds">Length of a block.</param>
    /// <param name="rounds">Blocks of each target.</param>
    /// <param name="environment">Extra environment of the gateway and the bare proxy (runtime knobs: DOTNET_gcServer=0 ...).</param>
    public static async Task<int> RunAsync(double rate, double seconds, int rounds, IReadOnlyDictionary<string, string> environment, string folder)
    {
        Directory.CreateDirectory(folder);
        var upstreamUrl = $"http://127.0.0.1:{ChildProcess.FreePort()}";
        var proxyUrl = $"http://127.0.0.1:{ChildProcess.FreePort()}";
        await using var upstream = await StartAsync("upstream", ["upstream", upstreamUrl], upstreamUrl + "/v1/models", folder, null);
        await using var proxy = await StartAsync("yarp", ["yarp", proxyUrl, upstreamUrl + "/"], proxyUrl + "/v1/models", folder, environment);
        var gatewayEnvironment = new Dictionary<string, string>(environment, StringComparer.Ordinal)
        {
            [GatewayApp.UpstreamUrlVariable] = upstreamUrl + "/v1",
            ["Gateway__PoliciesPath"] = await WritePoliciesAsync(folder),
            ["Logging__LogLevel__Default"] = "Warning",
            ["Cache__Enabled"] = "false",
        };
        var gatewayUrl = $"http://127.0.0.1:{ChildProcess.FreePort()}";
        await using var gateway = await StartAsync("gateway", ["gateway", "--urls", gatewayUrl], gatewayUrl + "/healthz", folder, gatewayEnvironment);

        var targets = new (string Name, string Url)[]
        {
            ("direct", upstreamUrl + "/v1/chat/completions"),
            ("yarp", proxyUrl + "/v1/chat/completions"),
            ("gateway", gatewayUrl + "/v1/chat/completions"),
        };
        var processes = new (string Name, int Pid)[] { ("upstream", upstream.Id), ("yarp", proxy.Id), ("gateway", gateway.Id) };
        var scenario = new Scenario
        {
            Name = "cpu",
            Tenants = [new TenantSetup { Id = "cpu", Key = Key }],
            Mix = [new MixEntry { Kind = RequestKind.Plain, Tiers = "upstream" }],
            Load = new LoadShape { Rate = rate, DurationSeconds = seconds, TimeoutSeconds = 10 },
        };
        var due = Arrivals.Schedule(scenario.Load, seconds);
        var mix = new RequestMix(scenario, due.Length);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(30) });
        var deadline = TimeSpan.FromSeconds(seconds + 20);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warm-up: 2 blocks of each target at {rate} req/s; load average {LoadAverage()}"));
        for (var i = 0; i < 2; i++)
        {
            foreach (var (name, url) in targets)
            {
                await OpenLoopLoad.RunAsync(due, mix.Sender(http, url, "warm" + name + i), deadline);
            }
        }

        // cpu[target][process] = µs per request, one per round
        var cpu = targets.Select(_ => processes.Select(_ => new List<double>()).ToArray()).ToArray();
        var p50 = targets.Select(_ => new List<double>()).ToArray();
        var p99 = targets.Select(_ => new List<double>()).ToArray();
        for (var round = 1; round <= rounds; round++)
        {
            for (var t = 0; t < targets.Length; t++)
            {
                var before = processes.Select(p => CpuSeconds(p.Pid)).ToArray();
                var results = await OpenLoopLoad.RunAsync(due, mix.Sender(http, targets[t].Url, $"{targets[t].Name}{round}"), deadline);
                var after = processes.Select(p => CpuSeconds(p.Pid)).ToArray();
                var summary = new Summary(results);
                if (summary.Successes != due.Length)
                {
                    Console.Error.WriteLine($"{targets[t].Name}: {due.Length - summary.Successes} of {due.Length} requests failed");
                    return 1;
                }

                for (var p = 0; p < processes.Length; p++)
                {
                    cpu[t][p].Add((after[p] - before[p]) * 1e6 / due.Length);
                }

                p50[t].Add(summary.Percentile(50));
                p99[t].Add(summary.Percentile(99));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round} {targets[t].Name,-8} {string.Join("  ", processes.Select((p, i) => $"{p.Name} {cpu[t][i][^1],5:0} µs"))}  p50 {p50[t][^1]:0.00} ms  p99 {p99[t][^1]:0.00} ms"));
            }
        }

        var report = new StringBuilder();
        report.AppendLine(string.Create(CultureInfo.InvariantCulture, $"CPU µs per request, median of {rounds} blocks of {due.Length} requests at {rate} req/s (min-max); load average {LoadAverage()}"));
        report.AppendLine();
        report.AppendLine("| target | " + string.Join(" | ", processes.Select(p => p.Name + " process")) + " | client p50 ms | client p99 ms |");
        report.AppendLine("|---|" + string.Concat(processes.Select(_ => "---:|")) + "---:|---:|");
        for (var t = 0; t < targets.Length; t++)
        {
            report.Append(CultureInfo.InvariantCulture, $"| {targets[t].Name} |");
            for (var p = 0; p < processes.Length; p++)
            {
                report.Append(CultureInfo.InvariantCulture, $" {Median(cpu[t][p]):0} ({cpu[t][p].Min():0}-{cpu[t][p].Max():0}) |");
            }

            report.AppendLine(CultureInfo.InvariantCulture, $" {Median(p50[t]):0.00} | {Median(p99[t]):0.00} |");
        }

        Console.WriteLine();
        Console.WriteLine(report);
        await File.WriteAllTextAsync(Path.Combine(folder, "cpu.md"), report.ToString());
        return 0;
    }

    /// <summary>
    /// One of the harness's commands as a child process, from the repository root (the gateway reads its
    /// appsettings.json there). Under dotnet the gateway runs from its own GreenGateway.dll (its runtimeconfig:
    /// server GC, ICU); a self-contained harness runs its own <c>gateway</c> command.
    /// </summary>
    private static async Task<ChildProcess> StartAsync(string name, string[] arguments, string readyUrl, string folder, IReadOnlyDictionary<string, string>? environment)
    {
        var env = environment?.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        var self = Environment.ProcessPath ?? "dotnet";
        var underDotnet = Path.GetFileNameWithoutExtension(self) == "dotnet";
        string[] command = !underDotnet ? [self, .. arguments]
            : arguments[0] == "gateway" ? ["dotnet", Path.Combine(AppContext.BaseDirectory, "GreenGateway.dll"), .. arguments[1..]]
            : ["dotnet", Path.Combine(AppContext.BaseDirectory, "GreenGateway.LoadTests.dll"), .. arguments];
        var process = ChildProcess.Start(name, command[0], command[1..], Path.Combine(folder, name + ".log"), env, Directory.GetCurrentDirectory());
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await process.WaitReadyAsync(
            async () =>
            {
                try
                {
                    using var response = await http.GetAsync(readyUrl);
                    return response.IsSuccessStatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60));
        return process;
    }

    private static double CpuSeconds(int pid) =>
        ProcessSampler.TryRead(pid, out var seconds, out _) ? seconds : throw new InvalidOperationException($"process {pid} is gone");

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static async Task<string> WritePoliciesAsync(string folder)
    {
        var policies = Directory.CreateDirectory(Path.Combine(folder, "policies")).FullName;
        await File.WriteAllTextAsync(Path.Combine(policies, "tenants.yaml"), $"tenants:\n  cpu:\n    keys: [\"{PolicySet.HashKey(Key)}\"]\n    models: [\"*\"]\n");
        return policies;
    }
}
