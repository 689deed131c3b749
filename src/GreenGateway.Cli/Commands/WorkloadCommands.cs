using System.CommandLine;
using GreenGateway.Cli.Workloads;

namespace GreenGateway.Cli.Commands;

/// <summary><c>gg workload build</c>.</summary>
internal static class WorkloadCommands
{
    public static Command Create()
    {
        var corpus = new Option<string>("--corpus") { Description = "The corpus folder (tools/corpus/build_corpus.py)", DefaultValueFactory = _ => ".corpus" };
        var output = new Option<string>("--out") { Description = "The workload file (JSON Lines)", DefaultValueFactory = _ => "loadtests/workloads/cascade.jsonl" };
        var count = new Option<int>("--count") { Description = "Items in the workload", DefaultValueFactory = _ => new WorkloadOptions().Count };
        var seed = new Option<int>("--seed") { Description = "Seed of every random choice", DefaultValueFactory = _ => new WorkloadOptions().Seed };
        var build = new Command("build", "Build a reproducible mixed workload from the corpus (docs/cascade-workload.md)") { corpus, output, count, seed };
        build.SetAction(parse =>
        {
            var options = new WorkloadOptions { Count = parse.GetValue(count), Seed = parse.GetValue(seed) };
            var items = WorkloadBuilder.Build(Corpus.Load(parse.GetValue(corpus)!), options);
            var path = parse.GetValue(output)!;
            Jsonl.Write(path, items);
            Console.WriteLine($"{items.Count} items to {path}:");
            foreach (var group in items.GroupBy(i => i.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                Console.WriteLine($"  {group.Key,-16} {group.Count(),5}  {100.0 * group.Count() / items.Count,5:0.0} %");
            }

            return 0;
        });
        return new Command("workload", "Workloads for the cascade benchmark and the router") { build };
    }
}
