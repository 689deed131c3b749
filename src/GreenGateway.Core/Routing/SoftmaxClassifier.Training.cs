namespace GreenGateway.Core.Routing;

/// <summary>Training settings. Defaults suit a few thousand labelled prompts.</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the data. Default 20.</summary>
    public int Epochs { get; init; } = 20;

    /// <summary>AdaGrad's base step. Default 0.5.</summary>
    public float LearningRate { get; init; } = 0.5f;

    /// <summary>L2 regularization strength lambda. Default 1e-6.</summary>
    public float L2 { get; init; } = 1e-6f;

    /// <summary>Seed of the example order. Default 1.</summary>
    public int Seed { get; init; } = 1;
}

public sealed partial class SoftmaxClassifier
{
    /// <summary>Fits the weights to (<paramref name="xs"/>, <paramref name="ys"/>), class indices into <see cref="Labels"/>.</summary>
    public void Train(IReadOnlyList<SparseVector> xs, IReadOnlyList<int> ys, TrainingOptions options)
    {
        var weightSquares = new float[_weights.Length];
        var biasSquares = new float[_bias.Length];
        var order = Enumerable.Range(0, xs.Count).ToArray();
        var random = new Random(options.Seed);
        var gradient = new float[Labels.Count];
        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            random.Shuffle(order);
            foreach (var n in order)
            {
                var x = xs[n];
                ScoreGradient(x, ys[n], gradient);

                for (var k = 0; k < gradient.Length; k++)
                {
                    var offset = k * Dimensions;
                    for (var i = 0; i < x.Count; i++)
                    {
                        // L2 is applied to the weights this example touches (the usual sparse approximation).
                        var j = offset + x.Indices[i];
                        var g = (gradient[k] * x.Values[i]) + (options.L2 * _weights[j]);
                        weightSquares[j] += g * g;
                        _weights[j] -= options.LearningRate * g / (MathF.Sqrt(weightSquares[j]) + 1e-8f);
                    }

                    biasSquares[k] += gradient[k] * gradient[k];
                    _bias[k] -= options.LearningRate * gradient[k] / (MathF.Sqrt(biasSquares[k]) + 1e-8f);
                }
            }
        }
    }

    /// <summary>d(cross-entropy of <paramref name="x"/> with class <paramref name="y"/>)/d(score_k) = p_k - [k == y];
    /// the gradient of weight (k, j) is that times x_j, of bias k that alone.</summary>
    internal void ScoreGradient(SparseVector x, int y, Span<float> gradient)
    {
        var p = Predict(x);
        for (var k = 0; k < gradient.Length; k++)
        {
            gradient[k] = p[k] - (k == y ? 1f : 0f);
        }
    }

    /// <summary>Accuracy and the confusion matrix (rows: true class, columns: predicted) on labelled data.</summary>
    public (double Accuracy, int[,] Confusion) Evaluate(IReadOnlyList<SparseVector> xs, IReadOnlyList<int> ys)
    {
        var confusion = new int[Labels.Count, Labels.Count];
        var correct = 0;
        for (var n = 0; n < xs.Count; n++)
        {
            var predicted = IndexOf(Classify(xs[n]).Label);
            confusion[ys[n], predicted]++;
            correct += predicted == ys[n] ? 1 : 0;
        }

        return (xs.Count == 0 ? 0 : (double)correct / xs.Count, confusion);
    }

    public int IndexOf(string label)
    {
        for (var k = 0; k < Labels.Count; k++)
        {
            if (Labels[k] == label)
            {
                return k;
            }
        }

        throw new ArgumentException($"unknown class '{label}'", nameof(label));
    }
}
