using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GreenGateway.Cli.Evaluation;
using GreenGateway.Cli.Workloads;
using GreenGateway.Core.Routing;
using GreenGateway.Semantics.Routing;

namespace GreenGateway.Cli.Training;

/// <summary>A labelled prompt as <c>router train</c> reads it: a label file's or the gateway's outcome log's lines.</summary>
internal sealed record LabelledPrompt
{
    public required string Prompt { get; init; }

    public string? Label { get; init; }
}

internal sealed record RouterTrainOptions
{
    /// <summary>Share of distinct prompts held out for evaluation, chosen by a hash of the normalized prompt. Default 0.2.</summary>
    public double HoldOut { get; init; } = 0.2;

    /// <summary>The features and regularisation of the ML.NET trainers.</summary>
    public RouterTrainingOptions Training { get; init; } = new();

    /// <summary>The ML.NET trainers compared; the most accurate on the held-out part is kept. Default all three.</summary>
    public IReadOnlyList<RouterTrainerKind> Trainers { get; init; } = [RouterTrainerKind.Sdca, RouterTrainerKind.Lbfgs, RouterTrainerKind.LightGbm];

    /// <summary>
    /// When set (<c>--embedding</c>), each trainer is also fitted on the prompts' sentence embeddings (alone, and with
    /// the text features) and reported beside the text-only models; the kept router stays a text-only one.
    /// </summary>
    public Func<IReadOnlyList<string>, float[][]>? Embed { get; init; }
}

/// <summary>One trainer's result on the held-out split, its confusion matrix in <see cref="TierRouter.Tiers"/> order.</summary>
internal sealed record TrainerResult(string Name, double Accuracy, int[,] Confusion, TimeSpan TrainTime);

/// <summary>The outcome of training: the kept ML.NET router, how it did on prompts it never saw, and every trainer compared.</summary>
internal sealed record RouterEvaluation(MlNetRouter Router, string Trainer, int TrainCount, int TestCount, double Accuracy, int[,] Confusion,
    IReadOnlyDictionary<string, int> LabelCounts, int Skipped, int Duplicates, IReadOnlyList<TrainerResult> Compared);

/// <summary>
/// Trains the ML.NET router with each of SDCA, L-BFGS and LightGBM on the same split and keeps the most accurate on the
/// held-out part. (The earlier hashed-n-gram softmax router, compared on this split before it was removed, scored
/// 82.1 %: docs/router-training.md.)
/// </summary>
internal static class RouterTrainer
{
    public static IReadOnlyList<LabelledPrompt> ReadLabels(IEnumerable<string> paths) =>
        [.. paths.SelectMany(Jsonl.Read<LabelledPrompt>)];

    public static RouterEvaluation Train(IReadOnlyList<LabelledPrompt> labelled, RouterTrainOptions options)
    {
        var (examples, skipped, duplicates) = Distinct(labelled);
        var train = examples.Where(e => !IsHeldOut(e.Prompt, options.HoldOut)).ToList();
        var test = examples.Where(e => IsHeldOut(e.Prompt, options.HoldOut)).ToList();
        if (train.Count == 0)
        {
            throw new InvalidOperationException("no labelled prompts to train on.");
        }

        var compared = new List<TrainerResult>();
        var inputs = train.Select(e => new RouterInput { Prompt = e.Prompt, Label = e.Label! }).ToList();
        (MlNetRouter Router, TrainerResult Result)? best = null;
        foreach (var trainer in options.Trainers)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var router = RouterTraining.Train(inputs, trainer, options.Training);
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            var (accuracy, confusion) = Evaluate(router.Predict, test);
            var result = new TrainerResult($"ML.NET {trainer}", accuracy, confusion, elapsed);
            compared.Add(result);
            if (best is null || accuracy > best.Value.Result.Accuracy)
            {
                best = (router, result);
            }
        }

        if (options.Embed is { } embed)
        {
            compared.AddRange(CompareEmbedded(train, test, embed, options));
        }

        var counts = TierRouter.Tiers.ToDictionary(t => t, t => examples.Count(e => e.Label == t));
        var (kept, keptResult) = best ?? throw new InvalidOperationException("no trainer given.");
        return new RouterEvaluation(kept, keptResult.Name, train.Count, test.Count, keptResult.Accuracy, keptResult.Confusion, counts, skipped, duplicates, compared);
    }

    private static IEnumerable<TrainerResult> CompareEmbedded(List<LabelledPrompt> train, List<LabelledPrompt> test, Func<IReadOnlyList<string>, float[][]> embed, RouterTrainOptions options)
    {
        var prompts = train.Concat(test).Select(e => e.Prompt).Distinct(StringComparer.Ordinal).ToList();
        var vectors = embed(prompts);
        var byPrompt = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (var i = 0; i < prompts.Count; i++)
        {
            byPrompt[prompts[i]] = vectors[i];
        }

        var dimensions = vectors.Length > 0 ? vectors[0].Length : 0;
        var inputs = train.Select(e => new RouterEmbeddedInput { Prompt = e.Prompt, Label = e.Label!, Embedding = byPrompt[e.Prompt] }).ToList();
        foreach (var withText in new[] { false, true })
        {
            foreach (var trainer in options.Trainers)
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var (predict, _) = RouterTraining.TrainEmbedded(inputs, dimensions, withText, trainer, options.Training);
                var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
                var (accuracy, confusion) = Evaluate(prompt => predict(prompt, byPrompt[prompt]), test);
                yield return new TrainerResult($"ML.NET {trainer} ({(withText ? "text + embedding" : "embedding")})", accuracy, confusion, elapsed);
            }
        }
    }

    /// <summary>
    /// One example per distinct prompt (the first label wins), so that a repeated prompt cannot sit on both sides of
    /// the split; lines without one of the four tier labels are skipped.
    /// </summary>
    public static (List<LabelledPrompt> Examples, int Skipped, int Duplicates) Distinct(IReadOnlyList<LabelledPrompt> labelled)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var examples = new List<LabelledPrompt>();
        int skipped = 0, duplicates = 0;
        foreach (var example in labelled)
        {
            if (example.Label is null || !TierRouter.Tiers.Contains(example.Label))
            {
                skipped++;
            }
            else if (!seen.Add(AnswerCheck.Normalize(example.Prompt)))
            {
                duplicates++;
            }
            else
            {
                examples.Add(example);
            }
        }

        return (examples, skipped, duplicates);
    }

    /// <summary>Accuracy and the confusion matrix (true row, predicted column, in <see cref="TierRouter.Tiers"/> order).</summary>
    public static (double Accuracy, int[,] Confusion) Evaluate(Func<string, TierPrediction> predict, IReadOnlyList<LabelledPrompt> examples)
    {
        var tiers = TierRouter.Tiers;
        var confusion = new int[tiers.Count, tiers.Count];
        var right = 0;
        foreach (var example in examples)
        {
            var truth = IndexOf(example.Label!);
            var predicted = IndexOf(predict(example.Prompt).Label);
            if (truth < 0 || predicted < 0)
            {
                continue;
            }

            confusion[truth, predicted]++;
            right += truth == predicted ? 1 : 0;
        }

        return (examples.Count == 0 ? 0 : (double)right / examples.Count, confusion);

        static int IndexOf(string label)
        {
            for (var i = 0; i < TierRouter.Tiers.Count; i++)
            {
                if (TierRouter.Tiers[i] == label)
                {
                    return i;
                }
            }

            return -1;
        }
    }

    /// <summary>Deterministic across runs and machines: the first 8 bytes of SHA-256 of the normalized prompt.</summary>
    public static bool IsHeldOut(string prompt, double share)
    {
        var hash = BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(AnswerCheck.Normalize(prompt))), 0);
        return hash % 10_000 < share * 10_000;
    }

    public static string ConfusionMarkdown(IReadOnlyList<string> labels, int[,] confusion)
    {
        var text = new StringBuilder();
        text.AppendLine("| true \\ predicted | " + string.Join(" | ", labels) + " | recall |");
        text.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", labels.Count + 1)));
        for (var t = 0; t < labels.Count; t++)
        {
            var row = Enumerable.Range(0, labels.Count).Select(p => confusion[t, p]).ToArray();
            var total = row.Sum();
            var recall = total == 0 ? "-" : ((double)confusion[t, t] / total * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";
            text.AppendLine(CultureInfo.InvariantCulture, $"| **{labels[t]}** | {string.Join(" | ", row)} | {recall} |");
        }

        return text.ToString();
    }
}
