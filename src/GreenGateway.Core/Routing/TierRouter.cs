namespace GreenGateway.Core.Routing;

/// <summary>
/// The router the gateway asks before the cascade: from the prompt alone, the cheapest tier likely to answer
/// it well enough. A <see cref="TextFeaturizer"/> and a <see cref="SoftmaxClassifier"/> over the tiers
/// <see cref="Tiers"/>, trained by <c>gg router train</c> from labels the cascade itself produced
/// (docs/router.md).
/// </summary>
public sealed class TierRouter
{
    /// <summary>The tiers a router predicts, cheapest first: the cost order the cascade tries them in.</summary>
    public static IReadOnlyList<string> Tiers { get; } = ["rules", "draft", "speculative", "upstream"];

    public TierRouter(TextFeaturizer featurizer, SoftmaxClassifier classifier)
    {
        if (classifier.Dimensions != featurizer.Dimensions)
        {
            throw new ArgumentException($"the classifier has {classifier.Dimensions} dimensions, the featurizer {featurizer.Dimensions}.", nameof(classifier));
        }

        Featurizer = featurizer;
        Classifier = classifier;
    }

    public TextFeaturizer Featurizer { get; }

    public SoftmaxClassifier Classifier { get; }

    /// <summary>The classes this router predicts, in the classifier's order.</summary>
    public IReadOnlyList<string> Labels => Classifier.Labels;

    /// <summary>Reads a router written by <see cref="Save(string)"/>; <see cref="InvalidDataException"/> for anything else.</summary>
    public static TierRouter Load(string path)
    {
        using var stream = File.OpenRead(path);
        return TierRouterFile.Read(stream);
    }

    public static TierRouter Load(Stream stream) => TierRouterFile.Read(stream);

    public void Save(string path)
    {
        using var stream = File.Create(path);
        Save(stream);
    }

    public void Save(Stream stream) => TierRouterFile.Write(stream, this);

    /// <summary>The most probable tier for <paramref name="prompt"/> (the last user message), its probability, and every class's.</summary>
    public TierPrediction Predict(string prompt)
    {
        var probabilities = Classifier.Predict(Featurizer.Featurize(prompt));
        var best = 0;
        for (var k = 1; k < probabilities.Length; k++)
        {
            if (probabilities[k] > probabilities[best])
            {
                best = k;
            }
        }

        return new TierPrediction(Labels[best], probabilities[best], Labels, probabilities);
    }
}
