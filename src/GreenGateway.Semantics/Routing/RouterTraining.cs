using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.LightGbm;

namespace GreenGateway.Semantics.Routing;

/// <summary>The multiclass trainers <c>gg router train</c> compares.</summary>
public enum RouterTrainerKind
{
    /// <summary>SdcaMaximumEntropy: multinomial logistic regression by stochastic dual coordinate ascent.</summary>
    Sdca,

    /// <summary>LbfgsMaximumEntropy: the same model by L-BFGS.</summary>
    Lbfgs,

    /// <summary>LightGbm: gradient-boosted trees.</summary>
    LightGbm,
}

/// <summary>Builds and fits the router's ML.NET pipeline: text features of the prompt, then one multiclass trainer.</summary>
public static class RouterTraining
{
    /// <summary>
    /// FeaturizeText (word unigrams and bigrams, character trigrams, L2-normalised: ML.NET's defaults) → the trainer →
    /// the predicted label back to text. Deterministic for a given seed and data.
    /// </summary>
    public static MlNetRouter Train(IReadOnlyList<RouterInput> examples, RouterTrainerKind trainer, int seed = 1)
    {
        var ml = new MLContext(seed: seed);
        var data = ml.Data.LoadFromEnumerable(examples);
        var features = ml.Transforms.Conversion.MapValueToKey("Label", "Label")
            .Append(ml.Transforms.Text.FeaturizeText("Features", nameof(RouterInput.Prompt)))
            .AppendCacheCheckpoint(ml);
        IEstimator<ITransformer> head = trainer switch
        {
            RouterTrainerKind.Sdca => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1 }),
            RouterTrainerKind.Lbfgs => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1 }),
            RouterTrainerKind.LightGbm => ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options { NumberOfThreads = 1, Seed = seed }),
            _ => throw new ArgumentOutOfRangeException(nameof(trainer)),
        };
        var model = features.Append(head).Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel")).Fit(data);
        return MlNetRouter.From(ml, model);
    }
}
