using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GreenGateway.Cli.Evaluation;
using GreenGateway.Cli.Workloads;
using GreenGateway.Core.Routing;

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

    /// <summary>The featurizer's hash bits. Default 16 (65,536 slots: a small file, few collisions at this scale).</summary>
    public int HashBits { get; init; } = 16;

    public TrainingOptions Training { get; init; } = new();
}

/// <summary>The outcome of training: the router and how it did on prompts it never saw.</summary>
internal sealed record RouterEvaluation(TierRouter Router, int TrainCount, int TestCount, double Accuracy, int[,] Confusion,
    IReadOnlyDictionary<string, int> LabelCounts, int Skipped, int Duplicates);

/// <summary>Trains a <see cref="TierRouter"/> from labelled prompts and evaluates it on a held-out part.</summary>
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

        var featurizer = new TextFeaturizer(options.HashBits);
        var classifier = new SoftmaxClassifier(TierRouter.Tiers, featurizer.Dimensions);
        classifier.Train([.. train.Select(e => featurizer.Featurize(e.Prompt))], [.. train.Select(e => classifier.IndexOf(e.Label!))], options.Training);
        var router = new TierRouter(featurizer, classifier);
        var (accuracy, confusion) = Evaluate(router, test);
        var counts = TierRouter.Tiers.ToDictionary(t => t, t => examples.Count(e => e.Label == t));
        return new RouterEvaluation(router, train.Count, test.Count, accuracy, confusion, counts, skipped, duplicates);
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

    public static (double Accuracy, int[,] Confusion) Evaluate(TierRouter router, IReadOnlyList<LabelledPrompt> examples)
    {
        var classifier = router.Classifier;
        return classifier.Evaluate([.. examples.Select(e => router.Featurizer.Featurize(e.Prompt))], [.. examples.Select(e => classifier.IndexOf(e.Label!))]);
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
