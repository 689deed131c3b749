using System.Globalization;
using System.Text;
using GreenGateway.Cli.Evaluation;
using GreenGateway.Cli.Labeling;
using GreenGateway.Cli.Workloads;
using GreenGateway.Core.Routing;

namespace GreenGateway.Cli.Training;

/// <summary>
/// Does the draft model itself tell the router more than the prompt's words? The engine exposes the draft's
/// log-probabilities, not its hidden state, so the draft's features here are what one prefill of the prompt
/// gives: how familiar the prompt is to the draft (mean and minimum log-probability of its tokens, the share
/// the draft would have predicted) and how sure it is of the answer's first token (probability, entropy).
/// Trains the same classifier on n-grams alone, on the draft's features alone and on both, on one split.
/// </summary>
internal static class DraftFeatureExperiment
{
    public const int FeatureCount = 5;

    public static async Task<float[]> FeaturesAsync(LocalModel draft, string prompt, CancellationToken cancellationToken)
    {
        var tokens = draft.Encode([new ChatTurn("user", prompt)]);
        var scores = await draft.Engine.ScorePromptAsync(tokens, topLogprobs: 1, cancellationToken);
        double sum = 0, min = 0;
        var predicted = 0;
        for (var i = 1; i < scores.Count; i++)
        {
            var logprob = scores[i].Logprob ?? 0;
            sum += logprob;
            min = Math.Min(min, logprob);
            predicted += scores[i].TopLogprobs.Count > 0 && scores[i].TopLogprobs[0].TokenId == scores[i].TokenId ? 1 : 0;
        }

        var positions = Math.Max(1, scores.Count - 1);
        var first = await draft.GenerateGreedyAsync(tokens, 1, cancellationToken);
        // Scaled to about [0, 1] like the featurizer's dense slots.
        return
        [
            (float)(-sum / positions / 5), (float)(-min / 15), (float)predicted / positions,
            first.Probabilities.Length > 0 ? first.Probabilities[0] : 0, first.Entropies.Length > 0 ? first.Entropies[0] / 3 : 0,
        ];
    }

    public static async Task<string> RunAsync(LocalModel draft, IReadOnlyList<LabelledPrompt> labelled, IReadOnlyList<LabelledPrompt> extraTest,
        RouterTrainOptions options, CancellationToken cancellationToken)
    {
        var (examples, _, _) = RouterTrainer.Distinct(labelled);
        var train = examples.Where(e => !RouterTrainer.IsHeldOut(e.Prompt, options.HoldOut)).ToList();
        var test = examples.Where(e => RouterTrainer.IsHeldOut(e.Prompt, options.HoldOut)).ToList();
        var trained = train.Select(e => AnswerCheck.Normalize(e.Prompt)).ToHashSet(StringComparer.Ordinal);
        var (extra, _, _) = RouterTrainer.Distinct(extraTest);
        extra = [.. extra.Where(e => !trained.Contains(AnswerCheck.Normalize(e.Prompt)))];

        var features = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var prompt in examples.Concat(extra).Select(e => e.Prompt).Distinct())
        {
            features[prompt] = await FeaturesAsync(draft, prompt, cancellationToken);
        }

        var featurizer = new TextFeaturizer(options.HashBits);
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Trained on {train.Count}, held out {test.Count}; second test set {extra.Count} prompts not trained on.");
        md.AppendLine();
        md.AppendLine("| features | held-out accuracy | second test set |");
        md.AppendLine("|---|---:|---:|");
        foreach (var (name, useWords, useDraft) in new[] { ("n-grams (shipped)", true, false), ("draft features alone", false, true), ("n-grams + draft features", true, true) })
        {
            SparseVector Vector(string prompt) => Combine(featurizer, prompt, useWords, useDraft ? features[prompt] : null);
            var classifier = new SoftmaxClassifier(TierRouter.Tiers, featurizer.Dimensions + FeatureCount);
            classifier.Train([.. train.Select(e => Vector(e.Prompt))], [.. train.Select(e => classifier.IndexOf(e.Label!))], options.Training);
            var (heldOut, _) = classifier.Evaluate([.. test.Select(e => Vector(e.Prompt))], [.. test.Select(e => classifier.IndexOf(e.Label!))]);
            var (second, _) = classifier.Evaluate([.. extra.Select(e => Vector(e.Prompt))], [.. extra.Select(e => classifier.IndexOf(e.Label!))]);
            md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {heldOut * 100:0.0} % | {second * 100:0.0} % |");
        }

        return md.ToString();
    }

    /// <summary>The featurizer's vector (or only its dense slots), with the draft's features appended after its dimensions.</summary>
    internal static SparseVector Combine(TextFeaturizer featurizer, string prompt, bool useWords, float[]? draft)
    {
        var words = featurizer.Featurize(prompt);
        var indices = new List<int>();
        var values = new List<float>();
        for (var i = 0; i < words.Count; i++)
        {
            if (useWords || words.Indices[i] < TextFeaturizer.DenseCount)
            {
                indices.Add(words.Indices[i]);
                values.Add(words.Values[i]);
            }
        }

        for (var i = 0; draft is not null && i < draft.Length; i++)
        {
            indices.Add(featurizer.Dimensions + i);
            values.Add(draft[i]);
        }

        return new SparseVector([.. indices], [.. values]);
    }
}
