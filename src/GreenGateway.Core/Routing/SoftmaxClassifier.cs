namespace GreenGateway.Core.Routing;

/// <summary>
/// Multinomial logistic regression (softmax over linear scores) on sparse features, trained by
/// AdaGrad SGD on the cross-entropy with L2 regularization (Duchi et al. 2011). This is the model
/// ML.NET's SdcaMaximumEntropy fits, with a simpler optimizer.
/// </summary>
public sealed partial class SoftmaxClassifier
{
    // (classes, dimensions), row-major: the weights of class k are [k * dimensions, (k+1) * dimensions).
    private readonly float[] _weights;
    private readonly float[] _bias;

    public SoftmaxClassifier(IReadOnlyList<string> labels, int dimensions)
    {
        if (labels.Count < 2)
        {
            throw new ArgumentException("at least two classes", nameof(labels));
        }

        Labels = labels;
        Dimensions = dimensions;
        _weights = new float[labels.Count * dimensions];
        _bias = new float[labels.Count];
    }

    public IReadOnlyList<string> Labels { get; }

    public int Dimensions { get; }

    /// <summary>Class probabilities for <paramref name="x"/>, in <see cref="Labels"/> order.</summary>
    public float[] Predict(SparseVector x)
    {
        var scores = new float[Labels.Count];
        for (var k = 0; k < scores.Length; k++)
        {
            var offset = k * Dimensions;
            var score = _bias[k];
            for (var i = 0; i < x.Count; i++)
            {
                score += _weights[offset + x.Indices[i]] * x.Values[i];
            }

            scores[k] = score;
        }

        Softmax(scores);
        return scores;
    }

    /// <summary>The most probable class and its probability.</summary>
    public (string Label, float Probability) Classify(SparseVector x)
    {
        var p = Predict(x);
        var best = 0;
        for (var k = 1; k < p.Length; k++)
        {
            if (p[k] > p[best])
            {
                best = k;
            }
        }

        return (Labels[best], p[best]);
    }

    /// <summary>Mean cross-entropy plus the L2 penalty (lambda / 2) x |W|^2: what training minimizes.</summary>
    public double Loss(IReadOnlyList<SparseVector> xs, IReadOnlyList<int> ys, float l2)
    {
        var loss = 0.0;
        for (var n = 0; n < xs.Count; n++)
        {
            loss -= Math.Log(Math.Max(1e-12, Predict(xs[n])[ys[n]]));
        }

        var squares = 0.0;
        foreach (var w in _weights)
        {
            squares += w * w;
        }

        return (loss / xs.Count) + (l2 / 2 * squares);
    }

    internal static void Softmax(Span<float> scores)
    {
        var max = float.NegativeInfinity;
        foreach (var s in scores)
        {
            max = Math.Max(max, s);
        }

        var sum = 0f;
        for (var k = 0; k < scores.Length; k++)
        {
            scores[k] = MathF.Exp(scores[k] - max);
            sum += scores[k];
        }

        for (var k = 0; k < scores.Length; k++)
        {
            scores[k] /= sum;
        }
    }
}
