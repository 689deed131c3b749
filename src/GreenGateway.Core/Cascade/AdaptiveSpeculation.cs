namespace GreenGateway.Core.Cascade;

/// <summary>
/// Chooses how many tokens the draft proposes per verification call from the acceptance rate observed so far
/// (an exponential moving average per model). With acceptance rate a and a drafted token costing c of a
/// verification call, a round of k tokens yields (1 - a^(k+1)) / (1 - a) tokens for k*c + 1 calls' worth of
/// work (Leviathan et al. 2023, arXiv:2211.17192, Theorem 3.8 and Eq. 1); k is the value in
/// [<see cref="MinK"/>, <see cref="MaxK"/>] that maximizes the tokens per unit of work. Thread-safe.
/// </summary>
public sealed class AdaptiveSpeculation
{
    private readonly Lock _gate = new();
    private readonly double _smoothing;
    private double _rate;
    private double _costRatio;
    private long _proposed;
    private long _accepted;

    /// <param name="initialRate">The acceptance rate assumed before anything was observed.</param>
    /// <param name="draftCostRatio">A drafted token's cost as a fraction of one verification call (c above).</param>
    /// <param name="smoothing">The weight of each round in the moving average.</param>
    public AdaptiveSpeculation(int minK, int maxK, double initialRate = 0.5, double draftCostRatio = 0.2, double smoothing = 0.1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minK, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxK, minK);
        MinK = minK;
        MaxK = maxK;
        _costRatio = Math.Max(0, draftCostRatio);
        _rate = Math.Clamp(initialRate, 0, 1);
        _smoothing = smoothing;
    }

    public int MinK { get; }

    public int MaxK { get; }

    /// <summary>
    /// c: a drafted token's cost over a verification call's. Starts at the configured value and then follows the
    /// measured costs (<see cref="ObserveCosts"/>), so that k fits the deployment (a GPU draft, a remote verifier).
    /// </summary>
    public double DraftCostRatio
    {
        get
        {
            lock (_gate)
            {
                return _costRatio;
            }
        }
    }

    /// <summary>The smoothed per-token acceptance rate.</summary>
    public double Rate
    {
        get
        {
            lock (_gate)
            {
                return _rate;
            }
        }
    }

    /// <summary>Totals since start: drafted tokens proposed and accepted.</summary>
    public (long Proposed, long Accepted) Totals
    {
        get
        {
            lock (_gate)
            {
                return (_proposed, _accepted);
            }
        }
    }

    /// <summary>The k to propose next.</summary>
    public int NextK() => Best(Rate, DraftCostRatio, MinK, MaxK);

    /// <summary>Records one round: <paramref name="accepted"/> of <paramref name="proposed"/> drafted tokens kept.</summary>
    public void Observe(int proposed, int accepted)
    {
        if (proposed <= 0)
        {
            return;
        }

        // A round stops at the first rejection, so the per-token rate of a round is estimated as accepted over
        // the tokens the large model actually judged (the accepted ones plus the one rejected, if any).
        var judged = accepted < proposed ? accepted + 1 : proposed;
        var roundRate = (double)accepted / judged;
        lock (_gate)
        {
            _rate += _smoothing * (roundRate - _rate);
            _proposed += proposed;
            _accepted += accepted;
        }
    }

    /// <summary>Records measured costs: the draft's joules per proposed token and one verification call's joules.</summary>
    public void ObserveCosts(double draftJoulesPerToken, double callJoules)
    {
        if (draftJoulesPerToken < 0 || callJoules <= 0 || double.IsNaN(draftJoulesPerToken) || double.IsInfinity(callJoules))
        {
            return;
        }

        var ratio = Math.Min(draftJoulesPerToken / callJoules, 10);
        lock (_gate)
        {
            _costRatio += _smoothing * (ratio - _costRatio);
        }
    }

    /// <summary>Expected tokens per round of k proposals at acceptance rate a: (1 - a^(k+1)) / (1 - a).</summary>
    public static double ExpectedTokens(double a, int k) =>
        a >= 1 ? k + 1 : (1 - Math.Pow(a, k + 1)) / (1 - a);

    /// <summary>The k in [min, max] maximizing expected tokens per unit of work (k * c + 1).</summary>
    public static int Best(double a, double c, int min, int max)
    {
        var best = min;
        var bestValue = double.NegativeInfinity;
        for (var k = min; k <= max; k++)
        {
            var value = ExpectedTokens(a, k) / (k * c + 1);
            if (value > bestValue + 1e-12)
            {
                best = k;
                bestValue = value;
            }
        }

        return best;
    }
}
