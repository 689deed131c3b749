namespace GreenGateway.Core.Routing;

/// <summary>A router's answer: the predicted tier, its probability, and the probability of every class in <paramref name="Labels"/> order.</summary>
public sealed record TierPrediction(string Label, float Probability, IReadOnlyList<string> Labels, IReadOnlyList<float> Probabilities)
{
    /// <summary>The probability of <paramref name="tier"/>; 0 for a tier the router does not know.</summary>
    public float ProbabilityOf(string tier)
    {
        for (var k = 0; k < Labels.Count; k++)
        {
            if (Labels[k] == tier)
            {
                return Probabilities[k];
            }
        }

        return 0;
    }

    /// <summary>
    /// The cheapest tier (in <see cref="TierRouter.Tiers"/> order) that suffices with probability at least
    /// <paramref name="confidence"/>: a cautious reading of the prediction for a gateway that prefers quality
    /// to savings. A tier the router does not know counts as probability 0.
    /// </summary>
    public string CheapestAtLeast(float confidence)
    {
        // A prompt labelled t is answered well enough by t and by every more expensive tier, so tier t
        // suffices with the summed probability of the labels at or below it.
        var mass = 0f;
        foreach (var tier in TierRouter.Tiers)
        {
            mass += ProbabilityOf(tier);
            if (mass >= confidence)
            {
                return tier;
            }
        }

        return TierRouter.Tiers[^1];
    }
}
