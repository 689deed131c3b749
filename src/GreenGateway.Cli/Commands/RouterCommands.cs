using System.CommandLine;
using System.Globalization;
using System.Text;
using GreenGateway.Cli.Labeling;
using GreenGateway.Cli.Training;
using GreenGateway.Cli.Workloads;
using GreenGateway.Core.Routing;

namespace GreenGateway.Cli.Commands;

/// <summary><c>gg router label</c> and <c>gg router train</c>.</summary>
internal static class RouterCommands
{
    public static Command Create() => new("router", "Label prompts with the cheapest good-enough tier, and train the tier router") { Label(), Train(), Calibrate() };

    private static Command Label()
    {
        var workload = new Option<string?>("--workload") { Description = "A workload file (JSON Lines with messages, ground_truth, check)" };
        var prompts = new Option<string?>("--prompts") { Description = "A prompt set: JSON Lines with \"prompt\" or \"messages\"" };
        var models = new Option<string>("--models") { Description = "The folder holding draft/ and target/", DefaultValueFactory = _ => "models" };
        var draft = new Option<string?>("--draft") { Description = "The draft model's folder (default MODELS/draft)" };
        var target = new Option<string?>("--target") { Description = "The target model's folder (default MODELS/target)" };
        var output = new Option<string>("--out") { Description = "The labels file (JSON Lines)", Required = true };
        var threshold = new Option<double>("--acceptance-threshold") { Description = "Teacher-forced acceptance for the speculative label", DefaultValueFactory = _ => 0.5 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens each model answers with", DefaultValueFactory = _ => 64 };
        var concurrency = new Option<int>("--concurrency") { Description = "Prompts in flight at once", DefaultValueFactory = _ => 4 };
        var threads = new Option<int>("--threads") { Description = "Kernel threads per model", DefaultValueFactory = _ => Environment.ProcessorCount };
        var skipRepeats = new Option<bool>("--skip-repeats") { Description = "Leave out workload items that repeat an earlier one verbatim" };
        var calibration = new Option<string?>("--calibration") { Description = "Also write the draft's calibration table (Markdown) here" };
        var command = new Command("label", "Label prompts from the cascade itself, in process (no gateway needed)")
        {
            workload, prompts, models, draft, target, output, threshold, maxTokens, concurrency, threads, skipRepeats, calibration,
        };
        command.SetAction(async (parse, ct) =>
        {
            var source = parse.GetValue(workload) ?? parse.GetValue(prompts);
            if (source is null)
            {
                Console.Error.WriteLine("--workload or --prompts is required.");
                return 2;
            }

            var items = Jsonl.Read<WorkloadItem>(source).Select((item, i) => item.Id.Length > 0 ? item : item with { Id = (i + 1).ToString(CultureInfo.InvariantCulture) }).ToList();
            if (parse.GetValue(skipRepeats))
            {
                items = [.. items.Where(i => i.Kind != WorkloadKinds.Repeat)];
            }

            var modelsDir = parse.GetValue(models)!;
            var threadCount = parse.GetValue(threads);
            using var draftModel = new LocalModel(parse.GetValue(draft) ?? Path.Combine(modelsDir, "draft"), threadCount);
            using var targetModel = new LocalModel(parse.GetValue(target) ?? Path.Combine(modelsDir, "target"), threadCount);
            var labeler = new CascadeLabeler(draftModel, targetModel, new LabelOptions
            {
                AcceptanceThreshold = parse.GetValue(threshold),
                MaxTokens = parse.GetValue(maxTokens),
                Concurrency = parse.GetValue(concurrency),
            });
            var started = DateTime.UtcNow;
            var progress = new Progress<int>(done =>
            {
                if (done % 100 == 0)
                {
                    Console.Error.WriteLine($"  {done} / {items.Count} ({(DateTime.UtcNow - started).TotalSeconds:0} s)");
                }
            });
            var records = await labeler.LabelAsync(items, progress, ct);
            Jsonl.Write(parse.GetValue(output)!, records);
            Console.WriteLine($"{records.Count} prompts labelled in {(DateTime.UtcNow - started).TotalSeconds:0} s to {parse.GetValue(output)}:");
            foreach (var tier in TierRouter.Tiers)
            {
                var n = records.Count(r => r.Label == tier);
                Console.WriteLine($"  {tier,-12} {n,5}  {100.0 * n / Math.Max(1, records.Count),5:0.0} %");
            }

            var table = CalibrationTables(records);
            Console.WriteLine();
            Console.WriteLine(table);
            if (parse.GetValue(calibration) is { } path)
            {
                File.WriteAllText(path, table);
            }

            return 0;
        });
        return command;
    }

    private static string CalibrationTables(IReadOnlyList<LabelRecord> records) =>
        "Draft answers by minimum token probability:\n\n" + Calibration.ToMarkdown(Calibration.Compute(records))
        + "\nThe same, with mean entropy <= 1.0 nats as well:\n\n" + Calibration.ToMarkdown(Calibration.Compute(records, maxMeanEntropy: 1.0));

    private static Command Calibrate()
    {
        var labels = new Option<string[]>("--labels") { Description = "Label files written by router label", Required = true, AllowMultipleArgumentsPerToken = true };
        var command = new Command("calibrate", "Print the draft's calibration table (precision of draft-alone answers by confidence bar) from label files") { labels };
        command.SetAction(parse =>
        {
            Console.WriteLine(CalibrationTables([.. parse.GetValue(labels)!.SelectMany(Jsonl.Read<LabelRecord>)]));
            return 0;
        });
        return command;
    }

    private static Command Train()
    {
        var labels = new Option<string[]>("--labels") { Description = "Label files or gateway outcome logs (JSON Lines with prompt and label); repeatable", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out") { Description = "The router model (an ML.NET zip)", DefaultValueFactory = _ => "models/router/router.zip" };
        var holdout = new Option<double>("--holdout") { Description = "Share of distinct prompts held out for evaluation", DefaultValueFactory = _ => 0.2 };
        var test = new Option<string[]>("--test") { Description = "Extra labelled sets to evaluate on (their prompts seen in training are left out)", AllowMultipleArgumentsPerToken = true };
        var report = new Option<string?>("--report") { Description = "Also write the evaluation as Markdown here" };
        var embedding = new Option<bool>("--embedding") { Description = "Also compare the trainers on the prompts' sentence embeddings (all-MiniLM-L6-v2), alone and with the text features" };
        var command = new Command("train", "Train the ML.NET tier router (SDCA, L-BFGS and LightGBM compared, the best kept) and evaluate it on held-out prompts") { labels, output, holdout, test, report, embedding };
        command.SetAction(parse =>
        {
            var examples = RouterTrainer.ReadLabels(parse.GetValue(labels)!);
            using var embedder = parse.GetValue(embedding) ? new Semantics.Embeddings.OnnxSentenceEmbedder() : null;
            var result = RouterTrainer.Train(examples, new RouterTrainOptions
            {
                HoldOut = parse.GetValue(holdout),
                Embed = embedder is null ? null : embedder.EmbedBatch,
            });
            var path = parse.GetValue(output)!;
            if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
            {
                Directory.CreateDirectory(directory);
            }

            result.Router.Save(path);
            var markdown = new StringBuilder(RouterReport.Write(result, new FileInfo(path).Length));
            foreach (var extra in parse.GetValue(test) ?? [])
            {
                var trained = examples.Where(e => !RouterTrainer.IsHeldOut(e.Prompt, parse.GetValue(holdout)))
                    .Select(e => Evaluation.AnswerCheck.Normalize(e.Prompt)).ToHashSet(StringComparer.Ordinal);
                var unseen = RouterTrainer.ReadLabels([extra]).Where(e => e.Label is not null && TierRouter.Tiers.Contains(e.Label) && !trained.Contains(Evaluation.AnswerCheck.Normalize(e.Prompt)))
                    .DistinctBy(e => Evaluation.AnswerCheck.Normalize(e.Prompt)).ToList();
                var (accuracy, confusion) = RouterTrainer.Evaluate(result.Router.Predict, unseen);
                markdown.AppendLine(CultureInfo.InvariantCulture, $"On `{extra}` ({unseen.Count} distinct prompts not trained on), {result.Trainer}: accuracy **{accuracy * 100:0.0} %**.");
                markdown.AppendLine();
                markdown.AppendLine(RouterTrainer.ConfusionMarkdown(TierRouter.Tiers, confusion));
            }

            Console.WriteLine($"router written to {path}");
            Console.WriteLine(markdown);
            if (parse.GetValue(report) is { } reportPath)
            {
                File.WriteAllText(reportPath, markdown.ToString());
            }

            return 0;
        });
        return command;
    }
}
