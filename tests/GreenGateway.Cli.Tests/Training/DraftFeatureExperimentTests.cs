using GreenGateway.Cli.Labeling.Tests;
using GreenGateway.Core.Routing;

namespace GreenGateway.Cli.Training.Tests;

public sealed class DraftFeatureExperimentTests(CascadeLabelerTests.DraftModel fixture) : IClassFixture<CascadeLabelerTests.DraftModel>
{
    [Fact]
    public async Task Features_AreFiniteAndScaled_AndAKnownPromptIsMoreFamiliarThanNoise()
    {
        var ct = TestContext.Current.CancellationToken;
        var known = await DraftFeatureExperiment.FeaturesAsync(fixture.Model, "What does System.String.Trim do?", ct);
        var noise = await DraftFeatureExperiment.FeaturesAsync(fixture.Model, "qzx vvk plorb wugg fnarl?", ct);

        Assert.Equal(DraftFeatureExperiment.FeatureCount, known.Length);
        Assert.All(known.Concat(noise), f => Assert.True(float.IsFinite(f) && f >= 0, $"feature {f}"));
        Assert.InRange(known[3], 0, 1); // the first answer token's probability
        Assert.True(known[0] < noise[0], $"mean surprisal {known[0]} (API question) against {noise[0]} (noise)");
    }

    [Fact]
    public void Combine_AppendsTheDraftFeaturesAfterTheFeaturizersSpace()
    {
        var featurizer = new TextFeaturizer(10);

        var both = DraftFeatureExperiment.Combine(featurizer, "What does Path.Combine do?", useWords: true, [0.5f, 0.25f]);
        var denseOnly = DraftFeatureExperiment.Combine(featurizer, "What does Path.Combine do?", useWords: false, [0.5f, 0.25f]);

        Assert.Equal([featurizer.Dimensions, featurizer.Dimensions + 1], both.Indices[^2..]);
        Assert.Equal([0.5f, 0.25f], both.Values[^2..]);
        Assert.Equal(featurizer.Featurize("What does Path.Combine do?").Count + 2, both.Count);
        Assert.All(denseOnly.Indices[..^2], i => Assert.True(i < TextFeaturizer.DenseCount));
    }
}
