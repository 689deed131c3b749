using System.Collections.Concurrent;
using GreenGateway.Core.Routing;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GreenGateway.Semantics.Routing;

/// <summary>
/// The tier router: an ML.NET multiclass model (trained by <c>gg router train</c>, saved as an ML.NET zip) scored with a
/// pool of <see cref="PredictionEngine{TSrc, TDst}"/>s. A prediction engine keeps per-call buffers and is not
/// thread-safe (ML.NET docs, "Make predictions with a trained model"), and Microsoft.Extensions.ML's pool is not served
/// here, so each call takes an engine from a bag and puts it back; the bag grows to the peak concurrency.
/// </summary>
public sealed class MlNetRouter
{
    private readonly MLContext _ml = new(seed: 0);
    private readonly ITransformer _model;
    private readonly ConcurrentBag<PredictionEngine<RouterInput, RouterOutput>> _engines = [];

    private MlNetRouter(ITransformer model, DataViewSchema schema)
    {
        _model = model;
        var output = model.GetOutputSchema(schema);
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        output["Score"].GetSlotNames(ref names);
        Labels = [.. names.DenseValues().Select(static n => n.ToString())];
        if (Labels.Count == 0)
        {
            throw new InvalidDataException("the router model names no labels in its Score column.");
        }
    }

    /// <summary>The tiers in the model's score order.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Wraps a model just trained (the schema of <see cref="RouterInput"/>).</summary>
    public static MlNetRouter From(MLContext ml, ITransformer model) =>
        new(model, ml.Data.LoadFromEnumerable(Array.Empty<RouterInput>()).Schema);

    /// <summary>Reads a model saved by <see cref="Save"/>; <see cref="InvalidDataException"/> for anything else.</summary>
    public static MlNetRouter Load(string path)
    {
        var ml = new MLContext(seed: 0);
        try
        {
            var model = ml.Model.Load(path, out var schema);
            return new MlNetRouter(model, schema);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException or System.IO.InvalidDataException or KeyNotFoundException)
        {
            throw new InvalidDataException($"{path} is not an ML.NET router model: {e.Message}", e);
        }
    }

    public void Save(string path) => _ml.Model.Save(_model, _ml.Data.LoadFromEnumerable(Array.Empty<RouterInput>()).Schema, path);

    /// <summary>The most probable tier for <paramref name="prompt"/>, its probability and every class's.</summary>
    public TierPrediction Predict(string prompt)
    {
        if (!_engines.TryTake(out var engine))
        {
            engine = _ml.Model.CreatePredictionEngine<RouterInput, RouterOutput>(_model);
        }

        float[] scores;
        try
        {
            scores = engine.Predict(new RouterInput { Prompt = prompt }).Score;
        }
        finally
        {
            _engines.Add(engine);
        }

        var best = 0;
        for (var k = 1; k < scores.Length; k++)
        {
            if (scores[k] > scores[best])
            {
                best = k;
            }
        }

        return new TierPrediction(Labels[best], scores[best], Labels, scores);
    }
}
