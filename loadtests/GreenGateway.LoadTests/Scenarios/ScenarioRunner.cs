using System.Diagnostics;
using System.Globalization;
using System.Text;
using GreenGateway.Core.Policies;
using GreenGateway.LoadTests.Load;
using GreenGateway.LoadTests.Reporting;
using GreenGateway.LoadTests.Targets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace GreenGateway.LoadTests.Scenarios;

/// <summary>
/// Runs one scenario: starts what it needs (stand-in upstream, redis-server, the gateway as child
/// processes or in process, nginx for a fleet), warms up, runs the load, reads the ledger, and stops
/// everything it started, whatever happened.
/// </summary>
internal sealed partial class ScenarioRunner(Scenario scenario, string outputFolder)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<IAsyncDisposable> _started = [];
    private readonly List<(string Name, ChildProcess Process, ProcessSampler Sampler)> _gateways = [];

    public async Task<RunOutcome> RunAsync()
    {
        Directory.CreateDirectory(outputFolder);
        try
        {
            return await RunStartedAsync();
        }
        finally
        {
            // Last started, first stopped: nginx before the gateways, the gateways before Redis and the upstream.
            for (var i = _started.Count - 1; i >= 0; i--)
            {
                await _started[i].DisposeAsync();
            }
        }
    }

    private async Task<RunOutcome> RunStartedAsync()
    {
        var upstream = Track(await StandInUpstream.StartAsync(scenario.Upstream.DelayMs));
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [GatewayApp.UpstreamUrlVariable] = upstream.BaseUrl,
            ["Gateway__PoliciesPath"] = await WritePoliciesAsync(),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        if (scenario.Gateway.RedisCluster)
        {
            var (nodes, url) = await Servers.StartRedisClusterAsync(outputFolder);
            nodes.ForEach(n => Track(n));
            environment[Configuration.RedisSettings.UrlVariable] = url;
        }
        else if (scenario.Gateway.Redis || scenario.Fleet is not null)
        {
            var (redis, url) = await Servers.StartRedisAsync(outputFolder);
            Track(redis);
            environment[Configuration.RedisSettings.UrlVariable] = url;
        }

        foreach (var (key, value) in scenario.Gateway.Settings)
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var target = await StartGatewaysAsync(environment);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(30) })
        {
            Timeout = TimeSpan.FromSeconds(scenario.Load.TimeoutSeconds),
        };

        var warmup = Arrivals.Warmup(scenario.Load);
        if (warmup.Length > 0)
        {
            Console.WriteLine($"warm-up: {warmup.Length} requests over {scenario.Load.WarmupSeconds} s");
            await OpenLoopLoad.RunAsync(warmup, new RequestMix(scenario, warmup.Length, seed: 1).Sender(http, target + "/v1/chat/completions", "warm"), Deadline(scenario.Load.WarmupSeconds), Report);
        }

        var due = Arrivals.Schedule(scenario.Load, scenario.Load.DurationSeconds);
        var mix = new RequestMix(scenario, due.Length);
        var salt = "run" + Environment.TickCount64.ToString(CultureInfo.InvariantCulture);
        Console.WriteLine($"run: {due.Length} requests over {scenario.Load.DurationSeconds} s ({scenario.Load.Shape})");
        var runStart = _clock.Elapsed.TotalSeconds;
        Summary? direct = null;
        Completed[] measured;
        double? killedAt = null;
        if (scenario.CompareDirect is { } compare)
        {
            (measured, direct) = await CompareAsync(compare, due, mix, http, upstream.BaseUrl + "/chat/completions", target + "/v1/chat/completions");
        }
        else
        {
            using var kill = ScheduleKill(out var killTime);
            measured = await OpenLoopLoad.RunAsync(due, mix.Sender(http, target + "/v1/chat/completions", salt), Deadline(scenario.Load.DurationSeconds), Report);
            killedAt = killTime.Task.IsCompleted ? killTime.Task.Result : null;
        }

        // Settling follows the response: give the last requests' settles a moment to land before reading the ledger.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var usage = scenario.Slo.Budget is { } budget ? await LedgerUsage.ReadAsync(http, target, scenario.Tenants.Single(t => t.Id == budget.Tenant), budget.Window) : null;
        return new RunOutcome(scenario, new Summary(measured), direct, warmup.Length, runStart,
            _gateways.Select(g => (g.Name, g.Sampler.Samples)).ToList(), usage, killedAt);
    }

    private async Task<string> StartGatewaysAsync(Dictionary<string, string> environment)
    {
        if (scenario.Gateway.InProcess)
        {
            // The same settings an operator's environment gives a process, as configuration keys.
            var settings = environment.Where(e => e.Key.Contains("__", StringComparison.Ordinal))
                .ToDictionary(e => e.Key.Replace("__", ":", StringComparison.Ordinal), e => (string?)e.Value);
            settings["urls"] = "http://127.0.0.1:0";
            settings["Upstreams:default:Destinations:0"] = environment[GatewayApp.UpstreamUrlVariable];
            settings["Redis:Url"] = environment.GetValueOrDefault(Configuration.RedisSettings.UrlVariable);
            var app = GatewayApp.Build([], settings);
            await app.StartAsync();
            Track(new InProcessGateway(app));
            return app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        }

        var replicas = scenario.Fleet?.Replicas ?? 1;
        var urls = new List<string>();
        for (var i = 0; i < replicas; i++)
        {
            var name = replicas == 1 ? "gateway" : $"gateway-{i + 1}";
            var (process, url) = await Servers.StartGatewayAsync(name, outputFolder, environment);
            Track(process);
            var sampler = new ProcessSampler(process.Id, _clock);
            Track(sampler);
            _gateways.Add((name, process, sampler));
            urls.Add(url);
            Console.WriteLine($"{name}: {url} (pid {process.Id})");
        }

        if (scenario.Fleet is null)
        {
            return urls[0];
        }

        var (nginx, front) = await Servers.StartNginxAsync(outputFolder, urls);
        Track(nginx);
        Console.WriteLine($"nginx: {front} in front of {replicas} replicas");
        return front;
    }

    /// <summary>Alternating blocks of the same schedule, straight to the upstream and through the gateway.</summary>
    private async Task<(Completed[] Gateway, Summary Direct)> CompareAsync(CompareSetup compare, double[] due, RequestMix mix, HttpClient http, string directUrl, string gatewayUrl)
    {
        var directRuns = new List<Completed>();
        var gatewayRuns = new List<Completed>();
        var offset = 0.0;
        for (var round = 1; round <= compare.Rounds; round++)
        {
            var d = await OpenLoopLoad.RunAsync(due, mix.Sender(http, directUrl, $"direct{round}"), Deadline(scenario.Load.DurationSeconds), Report);
            var g = await OpenLoopLoad.RunAsync(due, mix.Sender(http, gatewayUrl, $"gateway{round}"), Deadline(scenario.Load.DurationSeconds), Report);
            var (ds, gs) = (new Summary(d), new Summary(g));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}/{compare.Rounds}: direct p99 {ds.Percentile(99):0.000} ms, gateway p99 {gs.Percentile(99):0.000} ms"));

            // Blocks are laid end to end on one time axis for the charts.
            directRuns.AddRange(d.Select(c => c with { DueS = c.DueS + offset, DoneS = c.DoneS + offset }));
            gatewayRuns.AddRange(g.Select(c => c with { DueS = c.DueS + offset, DoneS = c.DoneS + offset }));
            offset += scenario.Load.DurationSeconds;
        }

        return ([.. gatewayRuns], new Summary(directRuns));
    }

    private CancellationTokenSource ScheduleKill(out TaskCompletionSource<double> killedAt)
    {
        var cancel = new CancellationTokenSource();
        var completion = new TaskCompletionSource<double>();
        killedAt = completion;
        if (scenario.Fleet is { KillAtSeconds: > 0 } fleet && _gateways.Count > 1)
        {
            _ = Task.Delay(TimeSpan.FromSeconds(fleet.KillAtSeconds), cancel.Token).ContinueWith(
                t =>
                {
                    if (!t.IsCanceled)
                    {
                        _gateways[0].Process.Kill();
                        Console.WriteLine($"killed {_gateways[0].Name} (SIGKILL) at {fleet.KillAtSeconds} s");
                        completion.TrySetResult(fleet.KillAtSeconds);
                    }
                },
                TaskScheduler.Default);
        }

        return cancel;
    }

    private TimeSpan Deadline(double seconds) => TimeSpan.FromSeconds(seconds + scenario.Load.TimeoutSeconds + 5);

    private static void Report(Progress p) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  [{p.Seconds,6:0.0} s] sent {p.Sent}/{p.Planned}, done {p.Completed}, in flight {p.Sent - p.Completed}"));

    private T Track<T>(T started)
        where T : IAsyncDisposable
    {
        _started.Add(started);
        return started;
    }

    /// <summary>The scenario's tenants as a policy file, keys hashed as the gateway stores them.</summary>
    private async Task<string> WritePoliciesAsync()
    {
        var folder = Directory.CreateDirectory(Path.Combine(outputFolder, "policies")).FullName;
        var yaml = new StringBuilder("tenants:\n");
        foreach (var tenant in scenario.Tenants)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  {tenant.Id}:\n    keys: [\"{PolicySet.HashKey(tenant.Key)}\"]\n    models: [\"*\"]\n    on_exhausted: {tenant.OnExhausted}\n");
            if (tenant.Budgets.Count > 0)
            {
                yaml.Append("    budgets:\n");
                foreach (var (window, limits) in tenant.Budgets)
                {
                    yaml.Append(CultureInfo.InvariantCulture, $"      {window}: {{ {string.Join(", ", limits.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Key}: {l.Value}")))} }}\n");
                }
            }
        }

        await File.WriteAllTextAsync(Path.Combine(folder, "tenants.yaml"), yaml.ToString());
        return folder;
    }

    private sealed class InProcessGateway(WebApplication app) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
