using System.CommandLine;
using System.Runtime.InteropServices;
using GreenGateway.Cli.Bench;
using GreenGateway.Cli.Workloads;

namespace GreenGateway.Cli.Commands;

/// <summary><c>gg bench cascade</c>.</summary>
internal static class BenchCommands
{
    public static Command Create()
    {
        var gateway = new Option<string>("--gateway") { Description = "The gateway's base URL", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var key = new Option<string>("--key") { Description = "The tenant key", DefaultValueFactory = _ => "gg-demo" };
        var workload = new Option<string>("--workload") { Description = "The workload file", DefaultValueFactory = _ => "loadtests/workloads/cascade.jsonl" };
        var output = new Option<string>("--out") { Description = "The Markdown report", DefaultValueFactory = _ => "docs/cascade-benchmark.md" };
        var raw = new Option<string?>("--raw") { Description = "Also write every answer (JSON Lines) here" };
        var model = new Option<string>("--model") { Description = "The model name requests ask for", DefaultValueFactory = _ => "target" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "max_tokens of every request", DefaultValueFactory = _ => 64 };
        var limit = new Option<int?>("--limit") { Description = "Only the first N items" };
        var warmUps = new Option<int>("--warm-up") { Description = "Requests to the large model alone before measuring", DefaultValueFactory = _ => 3 };
        var order = new Option<string>("--order")
        {
            Description = "alternate (per item, which arm goes first) or blocks (every item through the cascade, then every item alone)",
            DefaultValueFactory = _ => "alternate",
        };
        var settings = new Option<string>("--settings") { Description = "The appsettings.json whose profiles price the modelled view", DefaultValueFactory = _ => "appsettings.json" };
        var draftProfile = new Option<string>("--draft-profile") { Description = "The profile the draft stands for in the modelled view", DefaultValueFactory = _ => "llm-1b" };
        var targetProfile = new Option<string>("--target-profile") { Description = "The profile the large model stands for in the modelled view", DefaultValueFactory = _ => "llm-8b" };
        var gpuProfile = new Option<string?>("--gpu-profile") { Description = "Per-call costs measured on a GPU (models/profiles/h200.json) for the trace-driven view" };
        var gpuDraft = new Option<string>("--gpu-draft") { Description = "The GPU profile's model the draft stands for", DefaultValueFactory = _ => "llama-3.2-1b-shape" };
        var gpuTarget = new Option<string>("--gpu-target") { Description = "The GPU profile's model the large model stands for", DefaultValueFactory = _ => "llama-3.1-8b-shape" };
        var cascade = new Command("cascade", "Run a workload through the full cascade and through the large model alone, and write the report")
        {
            gateway, key, workload, output, raw, model, maxTokens, limit, warmUps, order, settings, draftProfile, targetProfile, gpuProfile, gpuDraft, gpuTarget,
        };
        cascade.SetAction(async (parse, ct) =>
        {
            var items = Jsonl.Read<WorkloadItem>(parse.GetValue(workload)!).ToList();
            if (parse.GetValue(limit) is { } n)
            {
                items = [.. items.Take(n)];
            }

            var baseUrl = parse.GetValue(gateway)!.TrimEnd('/') + "/";
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
            var client = new BenchClient(http, new Uri(baseUrl), parse.GetValue(key)!, parse.GetValue(model)!, parse.GetValue(maxTokens));
            var started = DateTimeOffset.UtcNow;
            var progress = new Progress<int>(done =>
            {
                if (done % 50 == 0)
                {
                    Console.Error.WriteLine($"  {done} / {items.Count} ({(DateTimeOffset.UtcNow - started).TotalSeconds:0} s)");
                }
            });
            var results = await new BenchRunner(client).RunAsync(items, parse.GetValue(warmUps), progress, ct, blocks: parse.GetValue(order) == "blocks");
            var modelled = ProfilePricing.FromSettings(parse.GetValue(settings)!, parse.GetValue(draftProfile)!, parse.GetValue(targetProfile)!);
            List<ViewStats> views = [ViewStats.Price(modelled, results)];
            if (parse.GetValue(gpuProfile) is { } gpu)
            {
                views.Add(ViewStats.Price(MeasuredCallPricing.FromProfile(gpu, parse.GetValue(gpuDraft)!, parse.GetValue(gpuTarget)!, modelled.Pue), results));
            }

            var summary = BenchSummary.From(results) with { Views = views, Order = parse.GetValue(order)! };
            var machine = $"Client and gateway on {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}.";
            var run = new BenchRunInfo(started, DateTimeOffset.UtcNow - started, baseUrl, parse.GetValue(workload)!, parse.GetValue(model)!, parse.GetValue(maxTokens), machine);
            var path = parse.GetValue(output)!;
            File.WriteAllText(path, BenchReport.Write(summary, run));
            if (parse.GetValue(raw) is { } rawPath)
            {
                Jsonl.Write(rawPath, results.Select(r => new { r.Item.Id, r.Item.Kind, r.Item.GroundTruth, r.Cascade, r.Upstream, r.CascadeFirst }));
            }

            Console.WriteLine($"{results.Count} items; cascade {summary.Cascade.JoulesPerCorrect:0.###} J per correct answer, alone {summary.Upstream.JoulesPerCorrect:0.###} J ({summary.EnergyRatio:0.0}x); "
                + $"accuracy {summary.Cascade.Accuracy * 100:0.0} % against {summary.Upstream.Accuracy * 100:0.0} %; report {path}");
            return summary.Cascade.Errors + summary.Upstream.Errors == 0 ? 0 : 1;
        });
        // The same report from a run's raw answers (--raw), re-priced: a trace-driven view can be added after the run,
        // from per-call costs measured later or elsewhere, without running the workload again.
        var rawIn = new Option<string>("--raw") { Description = "The raw answers a `bench cascade --raw` wrote", Required = true };
        var reportOut = new Option<string>("--out") { Description = "The Markdown report", Required = true };
        var reportWorkload = new Option<string>("--workload") { Description = "The workload the run used (for each item's check)", DefaultValueFactory = _ => "loadtests/workloads/cascade.jsonl" };
        var note = new Option<string>("--run") { Description = "What run the raw answers came from (date, machine), for the report's header", DefaultValueFactory = _ => "a recorded run" };
        var report = new Command("report", "Write the report of a recorded run (`bench cascade --raw`), with its views re-priced")
        {
            rawIn, reportOut, reportWorkload, note, settings, draftProfile, targetProfile, gpuProfile, gpuDraft, gpuTarget, model, maxTokens,
        };
        report.SetAction(parse =>
        {
            var items = Jsonl.Read<WorkloadItem>(parse.GetValue(reportWorkload)!).ToDictionary(i => i.Id, StringComparer.Ordinal);
            var results = new List<BenchItemResult>();
            foreach (var line in Jsonl.Read<RawAnswer>(parse.GetValue(rawIn)!))
            {
                if (!items.TryGetValue(line.Id, out var item))
                {
                    Console.Error.WriteLine($"item {line.Id} of the raw answers is not in the workload");
                    return 2;
                }

                results.Add(new BenchItemResult(item, line.Cascade, line.Upstream, line.CascadeFirst));
            }

            var modelled = ProfilePricing.FromSettings(parse.GetValue(settings)!, parse.GetValue(draftProfile)!, parse.GetValue(targetProfile)!);
            List<ViewStats> views = [ViewStats.Price(modelled, results)];
            if (parse.GetValue(gpuProfile) is { } gpu)
            {
                views.Add(ViewStats.Price(MeasuredCallPricing.FromProfile(gpu, parse.GetValue(gpuDraft)!, parse.GetValue(gpuTarget)!, modelled.Pue), results));
            }

            var summary = BenchSummary.From(results) with { Views = views, Order = results.Any(r => !r.CascadeFirst) ? "alternate" : "blocks" };
            var run = new BenchRunInfo(DateTimeOffset.UtcNow, TimeSpan.Zero, $"the raw answers {parse.GetValue(rawIn)} ({parse.GetValue(note)})",
                parse.GetValue(reportWorkload)!, parse.GetValue(model)!, parse.GetValue(maxTokens), "Re-priced from recorded answers by `gg bench report`.");
            File.WriteAllText(parse.GetValue(reportOut)!, BenchReport.Write(summary, run));
            Console.WriteLine($"{results.Count} items re-priced; report {parse.GetValue(reportOut)}");
            return 0;
        });
        return new Command("bench", "Benchmarks against a running gateway") { cascade, report };
    }
}

/// <summary>One line of <c>bench cascade --raw</c>.</summary>
internal sealed record RawAnswer(string Id, string Kind, BenchResponse Cascade, BenchResponse Upstream, bool CascadeFirst);
