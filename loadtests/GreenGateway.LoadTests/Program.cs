using System.Globalization;
using GreenGateway.LoadTests.Reporting;
using GreenGateway.LoadTests.Scenarios;
using GreenGateway.LoadTests.Targets;

// Usage:
//   dotnet run -c Release --project loadtests/GreenGateway.LoadTests -- run loadtests/scenarios/NAME.json [options]
//   options: --out DIR (default loadtests/results/NAME), --duration S, --rate R, --warmup S (override the file)
//   exit code: 0 all objectives met, 1 one missed, 2 usage or start-up error
//   passthrough [rate] [block-seconds] [rounds] [report-dir]: the pass-through scenario with those numbers
//   cpu [--rate R] [--seconds S] [--rounds N] [--env KEY=VALUE ...] [--out DIR]: CPU µs per request of the
//       upstream, a bare YARP proxy and the gateway, each its own process (Cpu/CpuPerRequest.cs)
//   upstream URL [delay-ms]: the stand-in upstream alone, until SIGTERM (scripts/latency.sh)
//   yarp URL DESTINATION: a bare YARP proxy alone, until SIGTERM
//   gateway [--urls URL ...]: the gateway itself (a self-contained build of the harness has no GreenGateway apphost)
if (args.Length >= 1 && args[0] == "gateway")
{
    await GreenGateway.GatewayApp.Build(args[1..]).RunAsync();
    return 0;
}

if (args.Length >= 2 && args[0] is "upstream" or "yarp")
{
    await using var stop = new ServerUntilSignal(args[0] == "upstream"
        ? await GreenGateway.LoadTests.StandInUpstream.StartAsync(args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 0, args[1])
        : await ServerUntilSignal.StartAsync(GreenGateway.LoadTests.Targets.BareProxy.Build(args[1], args[2])));
    Console.WriteLine($"{args[0]} listening on {args[1]}");
    await stop.WaitAsync();
    return 0;
}

if (args.Length >= 1 && args[0] == "cpu")
{
    var (rate, seconds, rounds, folder) = (500.0, 5.0, 5, Path.Combine("loadtests", "results", "cpu"));
    var environment = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 1; i + 1 < args.Length; i += 2)
    {
        var value = args[i + 1];
        switch (args[i])
        {
            case "--rate": rate = double.Parse(value, CultureInfo.InvariantCulture); break;
            case "--seconds": seconds = double.Parse(value, CultureInfo.InvariantCulture); break;
            case "--rounds": rounds = int.Parse(value, CultureInfo.InvariantCulture); break;
            case "--out": folder = value; break;
            case "--env" when value.IndexOf('=', StringComparison.Ordinal) > 0:
                environment[value[..value.IndexOf('=', StringComparison.Ordinal)]] = value[(value.IndexOf('=', StringComparison.Ordinal) + 1)..];
                break;
            default:
                Console.Error.WriteLine($"unknown option {args[i]}");
                return 2;
        }
    }

    return await GreenGateway.LoadTests.Cpu.CpuPerRequest.RunAsync(rate, seconds, rounds, environment, folder);
}

var command = "dotnet run -c Release --project loadtests/GreenGateway.LoadTests -- " + string.Join(' ', args);
if (args.Length >= 1 && args[0] == "passthrough")
{
    string[] mapped = ["run", "loadtests/scenarios/passthrough.json"];
    string[] names = ["--rate", "--duration", "--rounds", "--out"];
    for (var i = 1; i < args.Length && i <= names.Length; i++)
    {
        mapped = [.. mapped, names[i - 1], args[i]];
    }

    args = mapped;
}

if (args.Length < 2 || args[0] != "run" || !File.Exists(args[1]))
{
    Console.Error.WriteLine("usage: run <scenario.json> [--out DIR] [--duration S] [--rate R] [--warmup S] [--rounds N]");
    Console.Error.WriteLine("       passthrough [rate] [block-seconds] [rounds] [report-dir]");
    return 2;
}

var scenario = Scenario.FromFile(args[1]);
var output = Path.Combine("loadtests", "results", scenario.Name);
for (var i = 2; i + 1 < args.Length; i += 2)
{
    var value = args[i + 1];
    double Number() => double.Parse(value, CultureInfo.InvariantCulture);
    switch (args[i])
    {
        case "--out":
            output = value.EndsWith(".md", StringComparison.Ordinal) ? Path.GetDirectoryName(value) ?? "." : value;
            break;
        case "--duration":
            scenario = scenario with { Load = scenario.Load with { DurationSeconds = Number() } };
            break;
        case "--rate":
            scenario = scenario with { Load = scenario.Load with { Rate = Number() } };
            break;
        case "--warmup":
            scenario = scenario with { Load = scenario.Load with { WarmupSeconds = Number() } };
            break;
        case "--rounds" when scenario.CompareDirect is not null:
            scenario = scenario with { CompareDirect = scenario.CompareDirect with { Rounds = (int)Number() } };
            break;
        default:
            Console.Error.WriteLine($"unknown option {args[i]}");
            return 2;
    }
}

Console.WriteLine($"scenario {scenario.Name}: {scenario.Description}");
var outcome = await new ScenarioRunner(scenario, output).RunAsync();
var objectives = ObjectiveCheck.Evaluate(outcome);
var report = await MarkdownReport.WriteAsync(outcome, objectives, output, command);
Console.WriteLine();
Console.WriteLine(report);
Console.WriteLine($"report: {Path.Combine(output, "report.md")}");
var missed = objectives.Where(o => !o.Met).ToList();
foreach (var o in missed)
{
    Console.Error.WriteLine($"objective missed: {o.Name}: {o.Actual} (target {o.Target})");
}

return missed.Count == 0 ? 0 : 1;
