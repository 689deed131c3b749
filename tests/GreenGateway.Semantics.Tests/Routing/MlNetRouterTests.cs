using GreenGateway.Core.Routing;

namespace GreenGateway.Semantics.Routing.Tests;

public sealed class MlNetRouterTests
{
    private static IEnumerable<RouterInput> Examples()
    {
        var random = new Random(3);
        string[] types = ["String", "List<T>", "Stream", "Task", "Path"];
        string[] members = ["Trim", "Add", "Remove", "Clear", "Dispose"];
        for (var i = 0; i < 60; i++)
        {
            yield return new RouterInput { Prompt = $"What is {random.Next(2, 999)} * {random.Next(2, 999)}?", Label = "rules" };
            yield return new RouterInput { Prompt = $"What does System.{types[random.Next(5)]}.{members[random.Next(5)]} return?", Label = "draft" };
            yield return new RouterInput { Prompt = $"Write a long essay on garbage collection and middleware, part {i}.", Label = "upstream" };
        }
    }

    [Theory]
    [InlineData(RouterTrainerKind.Sdca)]
    [InlineData(RouterTrainerKind.Lbfgs)]
    [InlineData(RouterTrainerKind.LightGbm)]
    public void Trained_SavedAndLoaded_PredictsTheSame(RouterTrainerKind kind)
    {
        var router = RouterTraining.Train([.. Examples()], kind);
        var path = Path.Combine(Path.GetTempPath(), $"gg-router-{Guid.NewGuid():N}.zip");
        try
        {
            router.Save(path);
            var loaded = MlNetRouter.Load(path);

            Assert.Equal(router.Labels, loaded.Labels);
            var prediction = loaded.Predict("What is 12 * 7?");
            Assert.Equal("rules", prediction.Label);
            Assert.Equal(1.0, prediction.Probabilities.Sum(), 3);
            Assert.Equal(router.Predict("What does System.Path.Trim return?").Probabilities, loaded.Predict("What does System.Path.Trim return?").Probabilities);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EmbeddedFeatures_AreRead_WhenTheTextSaysNothing(bool withText)
    {
        // The label lives only in the embedding: the texts are alike, the vectors point one way per label.
        var random = new Random(5);
        string[] labels = ["rules", "draft", "upstream"];
        float[] Vector(int label)
        {
            var v = new float[8];
            for (var d = 0; d < v.Length; d++)
            {
                v[d] = (float)(random.NextDouble() * 0.2);
            }

            v[label] += 1;
            return v;
        }

        var examples = Enumerable.Range(0, 150).Select(i => new RouterEmbeddedInput { Prompt = $"question {i}", Label = labels[i % 3], Embedding = Vector(i % 3) }).ToList();
        var (predict, trainedLabels) = RouterTraining.TrainEmbedded(examples, 8, withText, RouterTrainerKind.Lbfgs);

        Assert.Equal(3, trainedLabels.Count);
        for (var label = 0; label < 3; label++)
        {
            Assert.Equal(labels[label], predict("question 1000", Vector(label)).Label);
        }
    }

    [Fact]
    public async Task ConcurrentPredictions_FromThePool_AgreeWithOneAtATime()
    {
        // PredictionEngine is not thread-safe; the pool hands each concurrent caller its own.
        var router = RouterTraining.Train([.. Examples()], RouterTrainerKind.Sdca);
        string[] prompts = ["What is 3 * 4?", "What does System.Task.Dispose return?", "Write a long essay on middleware, part 9."];
        var expected = prompts.Select(p => router.Predict(p).Probabilities.ToArray()).ToArray();
        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() => (i, router.Predict(prompts[i % 3]).Probabilities.ToArray()), TestContext.Current.CancellationToken)));
        Assert.All(results, r => Assert.Equal(expected[r.i % 3], r.Item2));
    }

    [Fact]
    public void Load_RefusesAFileThatIsNotAModel()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not a model");
            Assert.Throws<InvalidDataException>(() => MlNetRouter.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void CheapestAtLeast_AddsUpTheMassOfTheCheaperLabels()
    {
        var prediction = new TierPrediction("upstream", 0.4f, TierRouter.Tiers, [0.1f, 0.3f, 0.2f, 0.4f]);

        Assert.Equal("rules", prediction.CheapestAtLeast(0.1f));
        Assert.Equal("draft", prediction.CheapestAtLeast(0.35f));
        Assert.Equal("speculative", prediction.CheapestAtLeast(0.6f));
        Assert.Equal("upstream", prediction.CheapestAtLeast(0.9f));
    }
}

/// <summary>The router the repository ships (models/router/router.zip, trained by <c>gg router train</c>; docs/router.md).</summary>
public sealed class ShippedRouterTests
{
    private static string ShippedPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GreenGateway.sln")))
            {
                return Path.Combine(dir.FullName, "models", "router", "router.zip");
            }
        }

        throw new InvalidOperationException("GreenGateway.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void ShippedRouter_Loads_AndSendsRuleQuestionsToTheRules()
    {
        var router = MlNetRouter.Load(ShippedPath());

        Assert.Equal(TierRouter.Tiers.Order(StringComparer.Ordinal), router.Labels.Order(StringComparer.Ordinal));
        Assert.Equal("rules", router.Predict("What is (12 + 30) * 4?").Label);
        Assert.Equal("rules", router.Predict("convert 7 km to m").Label);
        Assert.Equal("rules", router.Predict("What day of the week is 2031-03-14?").Label);
        Assert.NotEqual("rules", router.Predict("What does System.String.Trim do?").Label);
    }
}
