namespace GreenGateway.Core.Routing.Tests;

public sealed class TierRouterTests
{
    /// <summary>A router trained on the synthetic prompts, with the tier labels in cost order (no speculative examples).</summary>
    private static TierRouter Trained(int hashBits = 12)
    {
        var featurizer = new TextFeaturizer(hashBits);
        var (train, _) = RoutingData.Split(RoutingData.Generate(seed: 11, perClass: 80));
        var model = new SoftmaxClassifier(TierRouter.Tiers, featurizer.Dimensions);
        model.Train([.. train.Select(e => featurizer.Featurize(e.Prompt))], [.. train.Select(e => model.IndexOf(e.Label))], new TrainingOptions { Epochs = 5 });
        return new TierRouter(featurizer, model);
    }

    [Fact]
    public void Predict_GivesTheMostProbableTier_AndEveryClassProbabilityInCostOrder()
    {
        var router = Trained();

        var prediction = router.Predict("what is 77 * 3?");

        Assert.Equal("rules", prediction.Label);
        Assert.Equal(["rules", "draft", "speculative", "upstream"], prediction.Labels);
        Assert.Equal(1, prediction.Probabilities.Sum(), 4);
        Assert.Equal(prediction.Probabilities.Max(), prediction.Probability);
        Assert.Equal(prediction.Probability, prediction.ProbabilityOf("rules"));
        Assert.Equal(0, prediction.ProbabilityOf("cache"));
        Assert.Equal("upstream", router.Predict("Write a detailed essay on compiler design, with examples and counterarguments, in about 800 words.").Label);
    }

    [Fact]
    public void SaveAndLoad_KeepTheFeaturizerSettingsAndThePredictions()
    {
        var router = Trained(hashBits: 13);
        var path = Path.Combine(Path.GetTempPath(), "gg-router-" + Guid.NewGuid().ToString("N") + ".ggrt");
        try
        {
            router.Save(path);
            var loaded = TierRouter.Load(path);

            Assert.Equal(13, loaded.Featurizer.HashBits);
            Assert.Equal(router.Labels, loaded.Labels);
            foreach (var prompt in new[] { "what is 2 * 2?", "What does Path.Combine do?", "Tell me about energy markets at length." })
            {
                Assert.Equal(router.Predict(prompt).Probabilities, loaded.Predict(prompt).Probabilities);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_RefusesOtherFiles_WithInvalidDataException()
    {
        using var classifierOnly = new MemoryStream();
        Trained().Classifier.Save(classifierOnly);
        classifierOnly.Position = 0;

        Assert.Throws<InvalidDataException>(() => TierRouter.Load(classifierOnly));
        Assert.Throws<InvalidDataException>(() => TierRouter.Load(new MemoryStream("GGTR"u8.ToArray())));
        Assert.Throws<InvalidDataException>(() => TierRouter.Load(new MemoryStream([])));
    }

    [Fact]
    public void Constructor_RefusesAClassifierOfAnotherFeatureSpace()
    {
        var classifier = new SoftmaxClassifier(TierRouter.Tiers, new TextFeaturizer(12).Dimensions);

        Assert.Throws<ArgumentException>(() => new TierRouter(new TextFeaturizer(14), classifier));
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

/// <summary>The router the repository ships (models/router/router.ggrt, trained by <c>gg router train</c>; docs/router.md).</summary>
public sealed class ShippedRouterTests
{
    private static string ShippedPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "models", "router", "router.ggrt");
            if (File.Exists(Path.Combine(dir.FullName, "GreenGateway.sln")))
            {
                return path;
            }
        }

        throw new InvalidOperationException("GreenGateway.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void ShippedRouter_Loads_AndSendsRuleQuestionsToTheRules()
    {
        var router = TierRouter.Load(ShippedPath());

        Assert.Equal(TierRouter.Tiers, router.Labels);
        Assert.Equal("rules", router.Predict("What is (12 + 30) * 4?").Label);
        Assert.Equal("rules", router.Predict("convert 7 km to m").Label);
        Assert.Equal("rules", router.Predict("What day of the week is 2031-03-14?").Label);
        Assert.NotEqual("rules", router.Predict("What does System.String.Trim do?").Label);
    }
}
