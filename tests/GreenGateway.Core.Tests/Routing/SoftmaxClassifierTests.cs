namespace GreenGateway.Core.Routing.Tests;

public sealed class SoftmaxClassifierTests
{
    [Fact]
    public void ScoreGradient_MatchesFiniteDifferencesOfTheLoss()
    {
        var random = new Random(7);
        var model = new SoftmaxClassifier(["a", "b", "c"], dimensions: 12);
        for (var k = 0; k < 3; k++)
        {
            for (var j = 0; j < 12; j++)
            {
                model.Weight(k, j) = (float)(random.NextDouble() - 0.5);
            }
        }

        var x = new SparseVector([1, 4, 9], [0.5f, -1.25f, 2f]);
        Span<float> analytic = stackalloc float[3];
        model.ScoreGradient(x, 1, analytic);

        // The naive reference: central differences of -log p(y | x) in each touched weight.
        const float h = 1e-3f;
        for (var k = 0; k < 3; k++)
        {
            for (var i = 0; i < x.Count; i++)
            {
                ref var w = ref model.Weight(k, x.Indices[i]);
                var original = w;
                w = original + h;
                var plus = -Math.Log(model.Predict(x)[1]);
                w = original - h;
                var minus = -Math.Log(model.Predict(x)[1]);
                w = original;
                var numeric = (plus - minus) / (2 * h);
                Assert.Equal(numeric, analytic[k] * x.Values[i], 2);
            }
        }
    }

    [Fact]
    public void Training_SeparatesPromptKinds_OnHeldOutPrompts()
    {
        var featurizer = new TextFeaturizer(hashBits: 16);
        var (train, test) = RoutingData.Split(RoutingData.Generate(seed: 3, perClass: 300));
        var model = new SoftmaxClassifier(RoutingData.Classes, featurizer.Dimensions);
        var xs = train.Select(e => featurizer.Featurize(e.Prompt)).ToList();
        var ys = train.Select(e => model.IndexOf(e.Label)).ToList();
        var before = model.Loss(xs, ys, 1e-6f);

        model.Train(xs, ys, new TrainingOptions { Epochs = 10 });
        var (accuracy, confusion) = model.Evaluate(test.Select(e => featurizer.Featurize(e.Prompt)).ToList(), test.Select(e => model.IndexOf(e.Label)).ToList());

        Assert.True(model.Loss(xs, ys, 1e-6f) < before / 5);
        Assert.True(accuracy > 0.9, $"held-out accuracy {accuracy}");
        Assert.Equal(test.Count, confusion.Cast<int>().Sum());
    }

    [Fact]
    public void SavedModel_LoadsBack_WithTheSamePredictions()
    {
        var featurizer = new TextFeaturizer(hashBits: 12);
        var (train, test) = RoutingData.Split(RoutingData.Generate(seed: 5, perClass: 60));
        var model = new SoftmaxClassifier(RoutingData.Classes, featurizer.Dimensions);
        model.Train(train.Select(e => featurizer.Featurize(e.Prompt)).ToList(), train.Select(e => model.IndexOf(e.Label)).ToList(), new TrainingOptions { Epochs = 3 });
        using var stream = new MemoryStream();

        model.Save(stream);
        stream.Position = 0;
        var loaded = SoftmaxClassifier.Load(stream);

        Assert.Equal(model.Labels, loaded.Labels);
        foreach (var example in test)
        {
            var x = featurizer.Featurize(example.Prompt);
            Assert.Equal(model.Predict(x), loaded.Predict(x));
        }
    }

    [Fact]
    public void Load_RefusesWhatIsNotARouterModel()
    {
        Assert.Throws<InvalidDataException>(() => SoftmaxClassifier.Load(new MemoryStream("not a model at all, clearly"u8.ToArray())));
    }
}

/// <summary>Synthetic prompts of three kinds, in the shapes the cascade's tiers answer best.</summary>
internal static class RoutingData
{
    public static readonly string[] Classes = ["rules", "draft", "upstream"];

    private static readonly string[] Members = ["System.String.Trim", "List.Add", "Dictionary.TryGetValue", "Path.Combine", "Task.WhenAll", "HttpClient.SendAsync", "Stream.CopyTo", "Math.Round", "Guid.NewGuid", "File.ReadAllText"];

    private static readonly string[] Topics = ["distributed consensus", "the history of computing", "carbon accounting", "compiler design", "database indexing", "energy markets", "urban planning", "machine translation"];

    public static List<(string Prompt, string Label)> Generate(int seed, int perClass)
    {
        var random = new Random(seed);
        var examples = new List<(string, string)>();
        for (var i = 0; i < perClass; i++)
        {
            var a = random.Next(1, 1000);
            var b = random.Next(1, 100);
            examples.Add((random.Next(3) switch
            {
                0 => $"what is {a} * {b}?",
                1 => $"convert {a} km to miles",
                _ => $"calculate ({a} + {b}) / 2",
            }, "rules"));
            var member = Members[random.Next(Members.Length)];
            examples.Add((random.Next(3) switch
            {
                0 => $"What does {member} do?",
                1 => $"What does {member} return?",
                _ => $"Explain {member}.",
            }, "draft"));
            var topic = Topics[random.Next(Topics.Length)];
            examples.Add((random.Next(3) switch
            {
                0 => $"Write a detailed essay on {topic}, with examples and counterarguments, in about {a} words.",
                1 => $"Compare three approaches to {topic} and argue which one a small team should choose and why.",
                _ => $"Design a system for {topic}: describe the components, their trade-offs, and a rollout plan.",
            }, "upstream"));
        }

        return examples;
    }

    /// <summary>Every fifth example held out.</summary>
    public static (List<(string Prompt, string Label)> Train, List<(string Prompt, string Label)> Test) Split(List<(string Prompt, string Label)> all) =>
        (all.Where((_, i) => i % 5 != 0).ToList(), all.Where((_, i) => i % 5 == 0).ToList());
}
