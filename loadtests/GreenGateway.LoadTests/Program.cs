using System.Globalization;
using GreenGateway.LoadTests;

// Usage: dotnet run -c Release --project loadtests/GreenGateway.LoadTests -- passthrough [rate] [block-seconds] [rounds] [report.md]
if (args.Length == 0 || args[0] != "passthrough")
{
    Console.Error.WriteLine("usage: passthrough [rate=500] [block-seconds=10] [rounds=3] [report=loadtests/results/passthrough.md]");
    return 2;
}

var rate = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 500;
var block = TimeSpan.FromSeconds(args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 10);
var rounds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 3;
var report = args.Length > 4 ? args[4] : "loadtests/results/passthrough.md";
return await PassThroughScenario.RunAsync(rate, block, rounds, report);
