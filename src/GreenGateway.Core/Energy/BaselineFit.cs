namespace GreenGateway.Core.Energy;

/// <summary>One answer (or verification call) of the large model with the energy it was measured or reported to use.</summary>
/// <param name="At">When it was observed.</param>
/// <param name="PromptTokens">Prompt positions the model computed.</param>
/// <param name="CompletionTokens">Tokens it generated.</param>
/// <param name="ItJoules">Its IT energy (before PUE), as measured or reported.</param>
public readonly record struct EnergyObservation(DateTimeOffset At, int PromptTokens, int CompletionTokens, double ItJoules);

/// <summary>Where a model's observations are kept: in process, or in the shared state that every replica reads.</summary>
public interface IEnergyObservations
{
    ValueTask AddAsync(string model, EnergyObservation observation, CancellationToken cancellationToken);

    /// <summary>The model's most recent observations (at most the store's capacity), any order.</summary>
    ValueTask<IReadOnlyList<EnergyObservation>> RecentAsync(string model, CancellationToken cancellationToken);
}

/// <summary>The last <see cref="Capacity"/> observations of each model, in this process. Thread-safe.</summary>
public sealed class InMemoryEnergyObservations(int capacity = InMemoryEnergyObservations.DefaultCapacity) : IEnergyObservations
{
    public const int DefaultCapacity = 512;

    private readonly Dictionary<string, Queue<EnergyObservation>> _models = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public int Capacity { get; } = capacity;

    public ValueTask AddAsync(string model, EnergyObservation observation, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_models.TryGetValue(model, out var queue))
            {
                _models[model] = queue = new Queue<EnergyObservation>(Capacity);
            }

            if (queue.Count == Capacity)
            {
                queue.Dequeue();
            }

            queue.Enqueue(observation);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<EnergyObservation>> RecentAsync(string model, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<EnergyObservation>>(_models.TryGetValue(model, out var queue) ? [.. queue] : []);
        }
    }
}

/// <summary>
/// The counterfactual's predictor: a model's IT joules as <c>a + b x prompt tokens + c x completion tokens</c>, fitted
/// by least squares over its recent observations, each weighted by <c>2^(-age / half-life)</c> so that the fit
/// follows the upstream as it changes (a new GPU, a new batch size, a busier machine). The coefficients are kept
/// non-negative (the best fit over the subsets of them that are, as non-negative least squares on three unknowns).
/// </summary>
public sealed class BaselineFit
{
    private BaselineFit(double perRequest, double perPrompt, double perCompletion, double weight, int fullAnswers, DateTimeOffset newest, double relativeError)
    {
        JoulesPerRequest = perRequest;
        JoulesPerPromptToken = perPrompt;
        JoulesPerCompletionToken = perCompletion;
        EffectiveObservations = weight;
        FullAnswers = fullAnswers;
        Newest = newest;
        RelativeError = relativeError;
    }

    public double JoulesPerRequest { get; }

    public double JoulesPerPromptToken { get; }

    public double JoulesPerCompletionToken { get; }

    /// <summary>The observations' summed weight (each 1 when new, halving every half-life).</summary>
    public double EffectiveObservations { get; }

    /// <summary>Observations with more than one completion token (whole answers, not verification calls): they tell decode from prefill.</summary>
    public int FullAnswers { get; }

    /// <summary>When the newest observation was made.</summary>
    public DateTimeOffset Newest { get; }

    /// <summary>The fit's weighted mean absolute error over its observations, relative to their weighted mean energy.</summary>
    public double RelativeError { get; }

    /// <summary>IT joules predicted for <paramref name="usage"/>.</summary>
    public double Predict(TokenUsage usage) =>
        JoulesPerRequest + (usage.PromptTokens * JoulesPerPromptToken) + (usage.CompletionTokens * JoulesPerCompletionToken);

    /// <summary>Whether the fit may stand for the model: enough recent observations, whole answers among them, and a fresh one.</summary>
    public bool IsObserved(BaselineFitOptions options, DateTimeOffset now) =>
        EffectiveObservations >= options.MinObservations && FullAnswers >= options.MinFullAnswers && now - Newest <= options.MaxAge;

    /// <summary>
    /// The fit of <paramref name="observations"/> as of <paramref name="now"/>; null when there are none usable. Robust to
    /// the outliers a measured upstream gives (the first request's compilation, a neighbour's burst): after a first fit,
    /// observations more than <see cref="OutlierFactor"/> median absolute residuals off it are left out and it is fitted
    /// again.
    /// </summary>
    public static BaselineFit? Fit(IReadOnlyList<EnergyObservation> observations, DateTimeOffset now, TimeSpan halfLife)
    {
        var usable = new List<(EnergyObservation O, double W)>(observations.Count);
        foreach (var o in observations)
        {
            if (double.IsFinite(o.ItJoules) && o.ItJoules >= 0 && o.PromptTokens >= 0 && o.CompletionTokens >= 0)
            {
                usable.Add((o, Math.Pow(2, -Math.Max(0, (now - o.At).TotalSeconds) / halfLife.TotalSeconds)));
            }
        }

        if (usable.Count == 0 || FitOnce(usable) is not { } first)
        {
            return null;
        }

        var residuals = usable.Select(u => Math.Abs(Residual(first, u.O))).Order().ToArray();
        var median = residuals[residuals.Length / 2];
        var kept = usable.Where(u => Math.Abs(Residual(first, u.O)) <= (OutlierFactor * median) + 1e-12).ToList();
        if (kept.Count < 3 || kept.Count == usable.Count || FitOnce(kept) is not { } refit)
        {
            return first;
        }

        // The outliers are left out of the coefficients, not out of the evidence: they were answers of the model too, so
        // they count towards MinObservations and MinFullAnswers (on a busy machine a few of any ten are outliers).
        return new BaselineFit(refit.JoulesPerRequest, refit.JoulesPerPromptToken, refit.JoulesPerCompletionToken, first.EffectiveObservations,
            first.FullAnswers, first.Newest, refit.RelativeError);
    }

    /// <summary>How many median absolute residuals off the first fit an observation may be and still count.</summary>
    public const double OutlierFactor = 4;

    private static double Residual(BaselineFit fit, EnergyObservation o) =>
        fit.Predict(new TokenUsage(o.PromptTokens, o.CompletionTokens, Counted: false)) - o.ItJoules;

    private static BaselineFit? FitOnce(List<(EnergyObservation O, double W)> observations)
    {
        // Normal equations of the weighted least squares: X'WX b = X'Wy, X = [1, prompt, completion].
        Span<double> xtx = stackalloc double[9];
        Span<double> xty = stackalloc double[3];
        double weight = 0, weightedEnergy = 0;
        var full = 0;
        var newest = DateTimeOffset.MinValue;
        foreach (var (o, w) in observations)
        {
            ReadOnlySpan<double> x = [1, o.PromptTokens, o.CompletionTokens];
            for (var i = 0; i < 3; i++)
            {
                xty[i] += w * x[i] * o.ItJoules;
                for (var j = 0; j < 3; j++)
                {
                    xtx[(i * 3) + j] += w * x[i] * x[j];
                }
            }

            weight += w;
            weightedEnergy += w * o.ItJoules;
            full += o.CompletionTokens > 1 ? 1 : 0;
            newest = o.At > newest ? o.At : newest;
        }

        if (weight <= 0)
        {
            return null;
        }

        var best = Solve(xtx, xty);
        var error = 0.0;
        foreach (var (o, w) in observations)
        {
            error += w * Math.Abs(best[0] + (best[1] * o.PromptTokens) + (best[2] * o.CompletionTokens) - o.ItJoules);
        }

        var mean = weightedEnergy / weight;
        return new BaselineFit(best[0], best[1], best[2], weight, full, newest, mean > 0 ? error / weight / mean : 0);
    }

    /// <summary>
    /// Non-negative least squares on three unknowns by enumeration: the unconstrained solution of each subset of the
    /// coefficients (the others held at zero), keeping the feasible one with the least residual. A tiny ridge keeps
    /// collinear subsets (every observation with one completion token) solvable.
    /// </summary>
    private static double[] Solve(ReadOnlySpan<double> xtx, ReadOnlySpan<double> xty)
    {
        double[] best = [0, 0, 0];
        var bestScore = 0.0; // the all-zero fit's improvement over itself
        Span<int> index = stackalloc int[3];
        Span<double> a = stackalloc double[9];
        Span<double> b = stackalloc double[3];
        for (var mask = 1; mask < 8; mask++)
        {
            var n = 0;
            for (var i = 0; i < 3; i++)
            {
                if ((mask & (1 << i)) != 0)
                {
                    index[n++] = i;
                }
            }

            a.Clear();
            b.Clear();
            for (var r = 0; r < n; r++)
            {
                b[r] = xty[index[r]];
                for (var c = 0; c < n; c++)
                {
                    a[(r * n) + c] = xtx[(index[r] * 3) + index[c]];
                }

                a[(r * n) + r] += 1e-9 * Math.Max(1, a[(r * n) + r]);
            }

            if (!Gauss(a, b, n))
            {
                continue;
            }

            var feasible = true;
            double[] candidate = [0, 0, 0];
            for (var r = 0; r < n; r++)
            {
                feasible &= b[r] >= 0;
                candidate[index[r]] = b[r];
            }

            if (!feasible)
            {
                continue;
            }

            // The weighted squared residual is y'Wy - 2 b'X'Wy + b'X'WX b; compare the b-dependent part, lower is better.
            var score = 0.0;
            for (var i = 0; i < 3; i++)
            {
                score += 2 * candidate[i] * xty[i];
                for (var j = 0; j < 3; j++)
                {
                    score -= candidate[i] * xtx[(i * 3) + j] * candidate[j];
                }
            }

            if (score > bestScore)
            {
                bestScore = score;
                best = candidate;
            }
        }

        return best;
    }

    /// <summary>Solves a (n x n, row-major) x = b in place by Gaussian elimination with partial pivoting.</summary>
    private static bool Gauss(Span<double> a, Span<double> b, int n)
    {
        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var r = col + 1; r < n; r++)
            {
                if (Math.Abs(a[(r * n) + col]) > Math.Abs(a[(pivot * n) + col]))
                {
                    pivot = r;
                }
            }

            if (Math.Abs(a[(pivot * n) + col]) < 1e-300)
            {
                return false;
            }

            if (pivot != col)
            {
                for (var c = 0; c < n; c++)
                {
                    (a[(col * n) + c], a[(pivot * n) + c]) = (a[(pivot * n) + c], a[(col * n) + c]);
                }

                (b[col], b[pivot]) = (b[pivot], b[col]);
            }

            for (var r = col + 1; r < n; r++)
            {
                var f = a[(r * n) + col] / a[(col * n) + col];
                for (var c = col; c < n; c++)
                {
                    a[(r * n) + c] -= f * a[(col * n) + c];
                }

                b[r] -= f * b[col];
            }
        }

        for (var r = n - 1; r >= 0; r--)
        {
            var sum = b[r];
            for (var c = r + 1; c < n; c++)
            {
                sum -= a[(r * n) + c] * b[c];
            }

            b[r] = sum / a[(r * n) + r];
        }

        return true;
    }
}

/// <summary>When a model's fitted counterfactual may stand for it (<see cref="BaselineFit.IsObserved"/>).</summary>
public sealed record BaselineFitOptions
{
    /// <summary>The summed weight of observations needed. Default 8.</summary>
    public double MinObservations { get; init; } = 8;

    /// <summary>Whole answers (more than one completion token) needed, so that decode is told from prefill. Default 3.</summary>
    public int MinFullAnswers { get; init; } = 3;

    /// <summary>How old the newest observation may be. Default 30 minutes.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>An observation's weight halves every this long. Default 10 minutes.</summary>
    public TimeSpan HalfLife { get; init; } = TimeSpan.FromMinutes(10);
}
