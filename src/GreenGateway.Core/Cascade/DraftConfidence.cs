namespace GreenGateway.Core.Cascade;

/// <summary>The draft's confidence bar (per tenant): the draft answers alone only when it clears both.</summary>
/// <param name="MinTokenProbability">
/// Every generated token's probability must be at least this. Default 0.8: on the demo pair the draft's answers
/// that clear it equal the target's (or the ground truth) 97.8 % of the time (calibration in docs/router.md).
/// </param>
/// <param name="MaxMeanEntropy">The mean entropy (nats) of the draft's distributions must be at most this. Default 1.0.</param>
public sealed record DraftBar(double MinTokenProbability = 0.8, double MaxMeanEntropy = 1.0);

/// <summary>Accumulates the draft's per-token confidence while it generates.</summary>
public sealed class DraftConfidence
{
    private double _sumProbability;
    private double _sumEntropy;

    public int Count { get; private set; }

    public double MinProbability { get; private set; } = 1;

    public double MeanProbability => Count == 0 ? 1 : _sumProbability / Count;

    public double MeanEntropy => Count == 0 ? 0 : _sumEntropy / Count;

    public void Add(double probability, double entropy)
    {
        Count++;
        _sumProbability += probability;
        _sumEntropy += entropy;
        MinProbability = Math.Min(MinProbability, probability);
    }

    public bool Clears(DraftBar bar) => MinProbability >= bar.MinTokenProbability && MeanEntropy <= bar.MaxMeanEntropy;

    /// <summary>
    /// Probabilities and entropy (nats) of a softmax over <paramref name="logits"/> at temperature 1, written into
    /// <paramref name="probs"/>. Returns the entropy.
    /// </summary>
    public static double Softmax(ReadOnlySpan<float> logits, Span<float> probs, double temperature = 1)
    {
        var t = temperature > 0 ? temperature : 1;
        var max = float.NegativeInfinity;
        foreach (var l in logits)
        {
            max = Math.Max(max, l);
        }

        var sum = 0.0;
        for (var i = 0; i < logits.Length; i++)
        {
            var e = Math.Exp((logits[i] - max) / t);
            probs[i] = (float)e;
            sum += e;
        }

        var entropy = 0.0;
        for (var i = 0; i < probs.Length; i++)
        {
            var p = probs[i] / sum;
            probs[i] = (float)p;
            if (p > 0)
            {
                entropy -= p * Math.Log(p);
            }
        }

        return entropy;
    }
}
