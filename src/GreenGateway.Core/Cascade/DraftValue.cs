namespace GreenGateway.Core.Cascade;

/// <summary>
/// Whether letting the draft try to answer alone saves energy for one large model, judged on the calibrated
/// counterfactual: each attempt that answered saved the large model's observed cost minus its own; each attempt that
/// declined and left the request to the large model alone wasted its own. While the sum over the recent attempts is
/// negative, <see cref="ShouldAttempt"/> lets through only a probe share. With the router's probability p that the
/// draft answers, an attempt is skipped when p x the mean saving of an answer is below the mean cost of a failure.
/// Thread-safe. Recorded only against an observed counterfactual, never a modelled one.
/// </summary>
public sealed class DraftValue(int window = 64, double probeFraction = 0.1, int minSamples = 8)
{
    private readonly Lock _gate = new();
    private readonly (bool Answered, double Saved, double Cost)[] _attempts = new (bool, double, double)[window];
    private int _next;
    private int _count;
    private long _asked;

    /// <summary>Attempts recorded (at most the window).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Joules the recent attempts saved in all (negative: they cost more than they saved); null before enough.</summary>
    public double? NetSaving
    {
        get
        {
            lock (_gate)
            {
                if (_count < minSamples)
                {
                    return null;
                }

                var net = 0.0;
                for (var i = 0; i < _count; i++)
                {
                    net += _attempts[i].Answered ? _attempts[i].Saved : -_attempts[i].Cost;
                }

                return net;
            }
        }
    }

    /// <summary>Records an attempt: answered (saving <paramref name="baselineJoules"/> - <paramref name="joules"/>) or not (wasting <paramref name="joules"/>).</summary>
    public void Observe(bool answered, double joules, double baselineJoules)
    {
        if (!double.IsFinite(joules) || !double.IsFinite(baselineJoules) || joules < 0)
        {
            return;
        }

        lock (_gate)
        {
            _attempts[_next] = (answered, baselineJoules - joules, joules);
            _next = (_next + 1) % _attempts.Length;
            _count = Math.Min(_count + 1, _attempts.Length);
        }
    }

    /// <summary>
    /// Whether to let the draft try: yes until enough attempts are known or while they save energy; with the router's
    /// <paramref name="answerProbability"/>, only when the expected saving is positive; otherwise a probe share.
    /// </summary>
    public bool ShouldAttempt(double? answerProbability = null)
    {
        double savedPerAnswer = 0, costPerFailure = 0;
        int answers = 0, failures = 0;
        lock (_gate)
        {
            if (_count < minSamples)
            {
                return true;
            }

            for (var i = 0; i < _count; i++)
            {
                if (_attempts[i].Answered)
                {
                    savedPerAnswer += _attempts[i].Saved;
                    answers++;
                }
                else
                {
                    costPerFailure += _attempts[i].Cost;
                    failures++;
                }
            }
        }

        savedPerAnswer = answers == 0 ? 0 : savedPerAnswer / answers;
        costPerFailure = failures == 0 ? 0 : costPerFailure / failures;
        var p = answerProbability ?? ((double)answers / (answers + failures));
        if ((p * savedPerAnswer) - ((1 - p) * costPerFailure) >= 0)
        {
            return true;
        }

        var n = Interlocked.Increment(ref _asked);
        return probeFraction > 0 && n % Math.Max(1, (long)Math.Round(1 / probeFraction)) == 0;
    }
}
