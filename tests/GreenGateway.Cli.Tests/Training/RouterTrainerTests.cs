using GreenGateway.Cli.Labeling;
using GreenGateway.Cli.Tests.Support;
using GreenGateway.Cli.Workloads;
using GreenGateway.Core.Routing;
using GreenGateway.Semantics.Routing;

namespace GreenGateway.Cli.Training.Tests;

public sealed class RouterTrainerTests : IDisposable
{
    private readonly TempFolder _folder = new();

    /// <summary>Four separable kinds of prompt, one per tier, with a few hundred variations each.</summary>
    private static IEnumerable<LabelRecord> Labels(int seed, int perClass)
    {
        var random = new Random(seed);
        string[] types = ["String", "List<T>", "Dictionary<TKey,TValue>", "Stream", "Task", "HttpClient", "Span<T>", "Path"];
        string[] members = ["Trim", "Add", "Remove", "Clear", "Dispose", "Read", "Write", "Parse", "Equals", "Count"];
        string[] topics = ["dependency injection", "garbage collection", "async streams", "middleware ordering", "configuration reloads"];
        for (var i = 0; i < perClass; i++)
        {
            yield return new LabelRecord { Prompt = $"What is {random.Next(2, 999)} * {random.Next(2, 999)}?", Label = "rules" };
            var type = types[random.Next(types.Length)];
            var member = members[random.Next(members.Length)];
            yield return new LabelRecord { Prompt = $"What does System.{type}.{member} return?", Label = "draft" };
            yield return new LabelRecord { Prompt = $"In System.Net.Http.{type}.{member}{i}, what does handler mean?", Label = "speculative" };
            yield return new LabelRecord
            {
                Prompt = $"Write a long essay comparing {topics[random.Next(topics.Length)]} and {topics[random.Next(topics.Length)]} with examples, number {i}.",
                Label = "upstream",
            };
        }
    }

    [Fact]
    public void Train_SavesARouterThatLoadsBack_AndReportsHeldOutAccuracy()
    {
        var labels = _folder.File("labels.jsonl");
        Jsonl.Write(labels, Labels(seed: 1, perClass: 150));
        var result = RouterTrainer.Train(RouterTrainer.ReadLabels([labels]), new RouterTrainOptions { HoldOut = 0.25 });
        var path = _folder.File("router.zip");
        result.Router.Save(path);
        var loaded = MlNetRouter.Load(path);

        Assert.True(result.Accuracy > 0.9, $"held-out accuracy {result.Accuracy}");
        Assert.Equal(result.TestCount, result.Confusion.Cast<int>().Sum());
        Assert.InRange(result.TestCount, result.TrainCount / 5, result.TrainCount / 2);
        Assert.Equal(TierRouter.Tiers.Order(StringComparer.Ordinal), loaded.Labels.Order(StringComparer.Ordinal));
        Assert.Equal(["ML.NET Sdca", "ML.NET Lbfgs", "ML.NET LightGbm"], result.Compared.Select(c => c.Name));
        foreach (var prompt in new[] { "What is 12 * 7?", "What does System.Path.Trim return?", "Write a long essay about middleware ordering." })
        {
            Assert.Equal(result.Router.Predict(prompt).Probabilities, loaded.Predict(prompt).Probabilities);
        }

        Assert.Equal("rules", loaded.Predict("What is 4 * 9?").Label);
        Assert.Equal("upstream", loaded.Predict("Write a long essay comparing async streams and garbage collection with examples, number 77.").Label);
    }

    [Fact]
    public void Train_ReadsTheGatewayOutcomeLog_SkipsUnknownLabels_AndKeepsOneExamplePerPrompt()
    {
        var outcomes = _folder.File("outcomes.jsonl");
        File.WriteAllLines(outcomes,
        [
            """{"prompt":"What is 2 + 2?","label":"rules","tenant":"acme","joules":0.001}""",
            """{"prompt":"what is 2 + 2","label":"upstream","tenant":"acme"}""",
            """{"prompt":"Hello","label":"cache","tenant":"acme"}""",
            """{"prompt":"Explain System.String.Trim.","label":"draft"}""",
        ]);
        var labels = _folder.File("labels.jsonl");
        Jsonl.Write(labels, Labels(seed: 2, perClass: 20));

        var result = RouterTrainer.Train(RouterTrainer.ReadLabels([labels, outcomes]), new RouterTrainOptions { HoldOut = 0.2, Trainers = [RouterTrainerKind.Sdca] });

        Assert.Equal(1, result.Skipped);
        Assert.True(result.Duplicates >= 1);
        Assert.Equal(result.TrainCount + result.TestCount, result.LabelCounts.Values.Sum());
        Assert.Equal(20 + 1, result.LabelCounts["rules"]);
    }

    [Fact]
    public void HeldOutSplit_IsByNormalizedPrompt_SoARepeatNeverCrossesIt()
    {
        var prompts = Enumerable.Range(0, 2000).Select(i => $"What does System.Thing{i}.Do return?").ToList();
        var share = prompts.Count(p => RouterTrainer.IsHeldOut(p, 0.2)) / (double)prompts.Count;

        Assert.InRange(share, 0.17, 0.23);
        Assert.All(prompts, p => Assert.Equal(RouterTrainer.IsHeldOut(p, 0.2), RouterTrainer.IsHeldOut(p.ToUpperInvariant().TrimEnd('?'), 0.2)));
    }

    [Fact]
    public void ConfusionMarkdown_HasARowPerTrueClassWithRecall()
    {
        var markdown = RouterTrainer.ConfusionMarkdown(["a", "b"], new[,] { { 3, 1 }, { 0, 2 } });

        Assert.Contains("| **a** | 3 | 1 | 75.0 % |", markdown);
        Assert.Contains("| **b** | 0 | 2 | 100.0 % |", markdown);
    }

    public void Dispose() => _folder.Dispose();
}
