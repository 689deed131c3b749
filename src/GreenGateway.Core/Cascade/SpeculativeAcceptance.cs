namespace GreenGateway.Core.Cascade;

/// <summary>
/// The large model's view of one drafted token, as a verification call returns it (vLLM's <c>prompt_logprobs</c>):
/// the drafted token's log-probability and rank (1 = the large model's greedy choice) and its top alternatives.
/// </summary>
/// <param name="TargetTop">The large model's most likely tokens at this position, most likely first (natural logs, temperature 1).</param>
public sealed record VerifiedToken(int DraftToken, float TargetLogprob, int Rank, IReadOnlyList<(int Id, float Logprob)> TargetTop);

/// <summary>What happens to a drafted token: kept, or replaced by <see cref="Replacement"/> (and the round ends).</summary>
public readonly record struct Verdict(bool Accepted, int Replacement);

/// <summary>
/// The three acceptance rules of the speculative tier (<see cref="AcceptanceMode"/>). Pure functions of the
/// verified position, the draft's distribution and a random source, so that each is tested on its own.
/// </summary>
public static class SpeculativeAcceptance
{
    /// <param name="temperature">The request's temperature; 0 is greedy.</param>
    /// <param name="draftProbs">
    /// The distribution the draft drew this token from, over the vocabulary, at the request's temperature (sampling
    /// mode only). Empty: the token was chosen greedily, i.e. drawn from a point mass on it.
    /// </param>
    public static Verdict Decide(AcceptanceMode mode, double lenience, double temperature, VerifiedToken verified, ReadOnlySpan<float> draftProbs, Random random)
    {
        ArgumentNullException.ThrowIfNull(verified);
        ArgumentNullException.ThrowIfNull(random);
        var top = verified.TargetTop.Count > 0 ? verified.TargetTop[0].Id : verified.DraftToken;
        switch (mode)
        {
            case AcceptanceMode.Sampling when temperature > 0:
                return DecideSampling(temperature, verified, draftProbs, random);
            case AcceptanceMode.Cascade:
                {
                    // Narasimhan et al. (ICLR 2025): defer to the large model unless p(v) >= (1 - alpha) * max p.
                    var maxLogprob = verified.TargetTop.Count > 0 ? verified.TargetTop[0].Logprob : verified.TargetLogprob;
                    var keep = Math.Exp(verified.TargetLogprob) >= (1 - Math.Clamp(lenience, 0, 1)) * Math.Exp(maxLogprob);
                    if (keep)
                    {
                        return new Verdict(true, verified.DraftToken);
                    }

                    return new Verdict(false, temperature > 0 ? SampleTarget(temperature, verified, random) : top);
                }

            default:
                // Greedy (and sampling at temperature 0): keep exactly the large model's argmax.
                return verified.Rank == 1 ? new Verdict(true, verified.DraftToken) : new Verdict(false, top);
        }
    }

    /// <summary>
    /// Leviathan et al. 2023, Algorithm 1: keep x with probability min(1, p(x)/q(x)); otherwise sample the
    /// replacement from norm(max(0, p - q)). p is known on the large model's top alternatives (and x); mass
    /// outside them is treated as zero, which is exact whenever the top alternatives hold all of p's mass and
    /// otherwise slightly favours the likelier tokens (docs/cascade.md).
    /// </summary>
    private static Verdict DecideSampling(double temperature, VerifiedToken verified, ReadOnlySpan<float> draftProbs, Random random)
    {
        var target = TargetProbabilities(temperature, verified);
        var x = verified.DraftToken;
        var p = target.TryGetValue(x, out var px) ? px : 0;
        var pointMass = draftProbs.IsEmpty;
        var q = pointMass ? 1 : x < draftProbs.Length ? draftProbs[x] : 0;
        if (q <= 0 || random.NextDouble() < Math.Min(1, p / q))
        {
            return new Verdict(true, x);
        }

        var residual = new List<(int Id, double Weight)>(target.Count);
        var total = 0.0;
        foreach (var (id, pi) in target)
        {
            var qi = pointMass ? (id == x ? 1 : 0) : id < draftProbs.Length ? draftProbs[id] : 0;
            var w = Math.Max(0, pi - qi);
            if (w > 0)
            {
                residual.Add((id, w));
                total += w;
            }
        }

        if (total <= 0)
        {
            return new Verdict(false, verified.TargetTop.Count > 0 ? verified.TargetTop[0].Id : x);
        }

        return new Verdict(false, Pick(residual, total, random));
    }

    private static int SampleTarget(double temperature, VerifiedToken verified, Random random)
    {
        var target = TargetProbabilities(temperature, verified);
        var items = new List<(int Id, double Weight)>(target.Count);
        var total = 0.0;
        foreach (var (id, p) in target)
        {
            items.Add((id, p));
            total += p;
        }

        return Pick(items, total, random);
    }

    /// <summary>
    /// p at the request's temperature on the known tokens. At temperature 1 the log-probabilities are used as they
    /// are; otherwise exp(lp / T) is renormalized over the known tokens (the tail's share is unknown).
    /// </summary>
    internal static Dictionary<int, double> TargetProbabilities(double temperature, VerifiedToken verified)
    {
        var known = new Dictionary<int, double>(verified.TargetTop.Count + 1);
        foreach (var (id, lp) in verified.TargetTop)
        {
            known[id] = lp;
        }

        known.TryAdd(verified.DraftToken, verified.TargetLogprob);
        var probs = new Dictionary<int, double>(known.Count);
        if (Math.Abs(temperature - 1) < 1e-9)
        {
            foreach (var (id, lp) in known)
            {
                probs[id] = Math.Exp(lp);
            }

            return probs;
        }

        var max = double.NegativeInfinity;
        foreach (var lp in known.Values)
        {
            max = Math.Max(max, lp);
        }

        var sum = 0.0;
        foreach (var (id, lp) in known)
        {
            var w = Math.Exp((lp - max) / temperature);
            probs[id] = w;
            sum += w;
        }

        foreach (var id in known.Keys)
        {
            probs[id] /= sum;
        }

        return probs;
    }

    private static int Pick(List<(int Id, double Weight)> items, double total, Random random)
    {
        // Sorted by id so that a seeded random source gives the same token whatever the dictionary order.
        items.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        var u = random.NextDouble() * total;
        foreach (var (id, w) in items)
        {
            u -= w;
            if (u < 0)
            {
                return id;
            }
        }

        return items[^1].Id;
    }
}
