namespace GreenGateway.Core.Energy.Tests;

/// <summary>The counterfactual's fit on synthetic observations, with a fake clock.</summary>
public sealed class BaselineFitTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan HalfLife = TimeSpan.FromMinutes(10);

    [Fact]
    public void ExactObservations_RecoverTheCoefficients()
    {
        var observations = Synthetic(0.5, 0.01, 0.2, count: 40, seed: 1, noise: 0);

        var fit = BaselineFit.Fit(observations, Now, HalfLife)!;

        Assert.Equal(0.5, fit.JoulesPerRequest, 6);
        Assert.Equal(0.01, fit.JoulesPerPromptToken, 8);
        Assert.Equal(0.2, fit.JoulesPerCompletionToken, 7);
        Assert.Equal(0, fit.RelativeError, 6);
    }

    [Fact]
    public void NoisyObservations_PredictWithinTheNoise()
    {
        var observations = Synthetic(0.5, 0.01, 0.2, count: 200, seed: 2, noise: 0.1);

        var fit = BaselineFit.Fit(observations, Now, HalfLife)!;

        var usage = new TokenUsage(30, 40, Counted: false);
        var truth = 0.5 + (30 * 0.01) + (40 * 0.2);
        Assert.InRange(fit.Predict(usage), truth * 0.95, truth * 1.05);
        Assert.InRange(fit.RelativeError, 0.03, 0.12);
    }

    [Fact]
    public void AColdStartOutlier_DoesNotMoveTheFit()
    {
        var observations = Synthetic(0.5, 0.01, 0.2, count: 30, seed: 7, noise: 0.05);
        observations.Add(new EnergyObservation(Now, 17, 16, 80)); // the first request: JIT and page faults, ten times its cost

        var fit = BaselineFit.Fit(observations, Now, HalfLife)!;

        var truth = 0.5 + (17 * 0.01) + (16 * 0.2);
        Assert.InRange(fit.Predict(new TokenUsage(17, 16, Counted: false)), truth * 0.95, truth * 1.05);
    }

    [Fact]
    public void Outliers_AreLeftOutOfTheCoefficients_NotOutOfTheEvidence()
    {
        // Eight answers, one of them an outlier (the first request's compilation): still eight answers of the model.
        var observations = Synthetic(0.5, 0.01, 0.2, count: 7, seed: 11, noise: 0.01);
        observations.Add(new EnergyObservation(Now, 20, 20, 60));

        var fit = BaselineFit.Fit(observations, Now, HalfLife)!;

        // Each observation weighs a little under 1 (up to a minute old); six would weigh under 6.
        Assert.InRange(fit.EffectiveObservations, 7.5, 8);
        Assert.Equal(5, fit.FullAnswers); // three of the synthetic seven are verification-shaped (one token)
        Assert.True(fit.IsObserved(new BaselineFitOptions { MinObservations = 7.5 }, Now));
        var truth = 0.5 + (20 * 0.01) + (20 * 0.2);
        Assert.InRange(fit.Predict(new TokenUsage(20, 20, Counted: false)), truth * 0.9, truth * 1.1);
    }

    [Fact]
    public void OldObservations_DecayAway_TheFitFollowsTheUpstream()
    {
        // Two hours ago a decoded token cost 0.2 J; in the last ten minutes, 0.4 J (a busier GPU, say).
        var old = Synthetic(0.5, 0.01, 0.2, count: 300, seed: 3, noise: 0, at: Now.AddHours(-2));
        var recent = Synthetic(0.5, 0.01, 0.4, count: 30, seed: 4, noise: 0, at: Now.AddMinutes(-5));

        var fit = BaselineFit.Fit([.. old, .. recent], Now, HalfLife)!;

        Assert.InRange(fit.JoulesPerCompletionToken, 0.39, 0.41);
    }

    [Fact]
    public void IsObserved_NeedsEnoughRecentObservations_WithWholeAnswersAmongThem()
    {
        var options = new BaselineFitOptions { MinObservations = 8, MinFullAnswers = 3, MaxAge = TimeSpan.FromMinutes(30) };
        var few = BaselineFit.Fit(Synthetic(0.5, 0.01, 0.2, count: 5, seed: 5, noise: 0), Now, HalfLife)!;
        var enough = BaselineFit.Fit(Synthetic(0.5, 0.01, 0.2, count: 12, seed: 6, noise: 0), Now, HalfLife)!;
        var verificationsOnly = BaselineFit.Fit(
            [.. Enumerable.Range(0, 20).Select(i => new EnergyObservation(Now, 5 + i, 1, 0.5 + ((5 + i) * 0.01) + 0.2))], Now, HalfLife)!;

        Assert.False(few.IsObserved(options, Now));
        Assert.True(enough.IsObserved(options, Now));
        Assert.False(verificationsOnly.IsObserved(options, Now));
        Assert.False(enough.IsObserved(options, Now.AddMinutes(31)));
    }

    [Fact]
    public void Coefficients_AreNeverNegative()
    {
        // Energy that falls with the prompt's length would give a negative prompt coefficient unconstrained.
        var observations = Enumerable.Range(1, 30).Select(i => new EnergyObservation(Now, i * 10, 5, 10 - (i * 0.1))).ToList();

        var fit = BaselineFit.Fit(observations, Now, HalfLife)!;

        Assert.True(fit.JoulesPerRequest >= 0 && fit.JoulesPerPromptToken >= 0 && fit.JoulesPerCompletionToken >= 0);
        Assert.True(fit.Predict(new TokenUsage(150, 5, Counted: false)) > 0);
    }

    [Fact]
    public void InvalidObservations_AreIgnored_AndNoneGivesNoFit()
    {
        Assert.Null(BaselineFit.Fit([], Now, HalfLife));
        Assert.Null(BaselineFit.Fit([new EnergyObservation(Now, 1, 1, double.NaN), new EnergyObservation(Now, -1, 1, 3)], Now, HalfLife));
    }

    [Fact]
    public async Task Observations_AreKeptPerModel_UpToTheCapacity()
    {
        var store = new InMemoryEnergyObservations(capacity: 4);
        for (var i = 0; i < 6; i++)
        {
            await store.AddAsync("a", new EnergyObservation(Now, i, 1, i), TestContext.Current.CancellationToken);
        }

        await store.AddAsync("b", new EnergyObservation(Now, 1, 1, 1), TestContext.Current.CancellationToken);

        Assert.Equal([2, 3, 4, 5], (await store.RecentAsync("a", TestContext.Current.CancellationToken)).Select(o => o.PromptTokens).Order());
        Assert.Single(await store.RecentAsync("b", TestContext.Current.CancellationToken));
        Assert.Empty(await store.RecentAsync("c", TestContext.Current.CancellationToken));
    }

    private static List<EnergyObservation> Synthetic(double perRequest, double perPrompt, double perCompletion, int count, int seed, double noise, DateTimeOffset? at = null)
    {
        var random = new Random(seed);
        var list = new List<EnergyObservation>(count);
        for (var i = 0; i < count; i++)
        {
            // Whole answers and verification calls (one completion token), as the gateway sees them.
            var prompt = random.Next(5, 200);
            var completion = i % 3 == 0 ? 1 : random.Next(2, 128);
            var joules = (perRequest + (prompt * perPrompt) + (completion * perCompletion)) * (1 + (noise * ((random.NextDouble() * 2) - 1)));
            list.Add(new EnergyObservation((at ?? Now).AddSeconds(-random.Next(0, 60)), prompt, completion, joules));
        }

        return list;
    }
}
