using System.Globalization;
using GreenGateway.LoadTests.Reporting;
using GreenGateway.LoadTests.Scenarios;

// Usage:
//   dotnet run -c Release --project loadtests/GreenGateway.LoadTests -- run loadtests/scenarios/NAME.json [options]
//   options: --out DIR (default loadtests/results/NAME), --duration S, --rate R, --warmup S (override the file)
//   exit code: 0 all objectives met, 1 one missed, 2 usage or start-up error
//   passthrough [rate] [block-seconds] [rounds] [report-dir]: the pass-through scenario with those numbers
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
