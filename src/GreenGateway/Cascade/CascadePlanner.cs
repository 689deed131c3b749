using GreenGateway.Accounting;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Carbon;
using GreenGateway.Core.Policies;
using GreenGateway.Core.Requests;
using GreenGateway.Draft;
using Microsoft.Extensions.Primitives;

namespace GreenGateway.Cascade;

/// <summary>Decides each request's <see cref="CascadePlan"/>.</summary>
internal sealed class CascadePlanner(Configuration.CascadeSettings settings, DraftModel draft, EnergyAccountant accountant, TierRouter router,
    Speculative.SpeculativeTier speculative, CascadeJudge judge, Configuration.BaselineSettings baseline)
{
        /// <summary>
    /// The plan, or an error message when the request's <c>X-GG-Tiers</c> (<paramref name="header"/>) names a tier that
    /// does not exist. <paramref name="budgetDowngrade"/>: a spent budget (on_exhausted: downgrade) restricts the request
    /// to the tiers below the large model.
    /// </summary>
    public (CascadePlan? Plan, string? Error) Plan(StringValues header, OpenAiRequest request, ModelRoute route, TenantPolicy tenant, CarbonIntensity grid, bool budgetDowngrade)
    {
        var policy = tenant.Cascade.At(grid.GramsPerKwh);
        var tiers = policy.Tiers;

        // A request may narrow, never widen, what its policy allows.
        if (header.Count > 0)
        {
            var asked = CascadeTier.None;
            foreach (var value in header)
            {
                asked |= CascadeTiers.ParseList(value, out var unknown);
                if (unknown is not null)
                {
                    return (null, $"X-GG-Tiers names an unknown tier '{unknown}' (known: {string.Join(", ", CascadeTiers.Names)}).");
                }
            }

            tiers &= asked;
        }

        var drafts = request.LocalTiersMayAnswer && draft.Serves(route.Model, route.UpstreamModel);
        if (!drafts)
        {
            tiers &= ~(CascadeTier.Draft | CascadeTier.Speculative);
        }

        string? restricted = null;
        if (budgetDowngrade)
        {
            // A spent budget with on_exhausted: downgrade is served below the large model alone.
            tiers &= CascadeTiers.BelowUpstream;
            restricted = "budget";
        }
        else if (policy.MaxJoulesPerRequest is { } cap && drafts
            && accountant.Estimate(route, request, grid).Energy.Joules > cap)
        {
            tiers &= CascadeTiers.BelowUpstream;
            restricted = "joule-cap";
        }

        // Speculation that has been costing more than the large model alone is skipped (but for probes) while the
        // large model may answer.
        if ((tiers & CascadeTier.Speculative) != 0 && (tiers & CascadeTier.Upstream) != 0 && !speculative.ShouldSpeculate(route.Model))
        {
            tiers &= ~CascadeTier.Speculative;
        }

        RouterPrediction? prediction = null;
        if (router.IsLoaded && (tiers & (CascadeTier.Draft | CascadeTier.Speculative)) != 0 && request.LastUserText is { } prompt)
        {
            prediction = router.Predict(prompt);
            tiers = Apply(tiers, policy, prediction, settings.Router.SkipThreshold);
        }

        // The draft's attempt to answer alone, judged on the observed counterfactual: skipped (but for probes) while its
        // attempts cost more than their answers save, or while the router's odds make this one a loss.
        if ((tiers & CascadeTier.Draft) != 0 && (tiers & (CascadeTier.Speculative | CascadeTier.Upstream)) != 0 && accountant.BaselineObserved(route)
            && !judge.Draft(route.Model).ShouldAttempt(prediction?.DraftSuffices))
        {
            tiers &= ~CascadeTier.Draft;
        }

        tiers = WithinLatency(tiers, policy, route);
        var plan = new CascadePlan(tiers, policy, restricted, prediction);
        return (ProbeBaseline(plan, route, budgetDowngrade), null);
    }

    /// <summary>Tiers slower than the large model alone by more than the tenant's <c>max_added_latency_ms</c> are skipped while it may answer.</summary>
    private CascadeTier WithinLatency(CascadeTier tiers, CascadePolicy policy, ModelRoute route)
    {
        if (policy.MaxAddedLatencyMs is not { } allowed || (tiers & CascadeTier.Upstream) == 0)
        {
            return tiers;
        }

        var latency = judge.Latency(route.Model);
        foreach (var tier in (CascadeTier[])[CascadeTier.Rules, CascadeTier.Cache, CascadeTier.Draft, CascadeTier.Speculative])
        {
            if ((tiers & tier) != 0 && latency.AddedP99(tier) > allowed)
            {
                tiers &= ~tier;
            }
        }

        return tiers;
    }

    /// <summary>The probe share while a model's counterfactual is not observed, so that a cold start soon is (8 observations after about 32 requests).</summary>
    public const double ColdProbeFraction = 0.25;

    /// <summary>
    /// A share of the requests the cascade would send to a model tier (draft or speculative) skips those tiers, so that
    /// the large model answers and its fit becomes observed (<see cref="ColdProbeFraction"/> while it is not) and stays
    /// current (<see cref="Configuration.BaselineSettings.ProbeFraction"/>, which also turns probes off at 0). The free tiers (rules, cache) still answer first: a probe wastes nothing where
    /// no model would run. Never for a request the large model may not answer, nor for an upstream whose energy is not
    /// charged as reported.
    /// </summary>
    private CascadePlan ProbeBaseline(CascadePlan plan, ModelRoute route, bool budgetDowngrade)
    {
        const CascadeTier models = CascadeTier.Draft | CascadeTier.Speculative;
        if (budgetDowngrade || !plan.Allows(CascadeTier.Upstream) || (plan.Tiers & models) == 0 || !accountant.UsesReportedEnergy(route)
            || baseline.ProbeFraction <= 0)
        {
            return plan;
        }

        var share = accountant.BaselineObserved(route) ? baseline.ProbeFraction : Math.Max(ColdProbeFraction, baseline.ProbeFraction);
        return Random.Shared.NextDouble() < share ? plan with { Tiers = plan.Tiers & ~models, Probe = "baseline" } : plan;
    }

    /// <summary>
    /// The router may skip what it confidently predicts will fail (never the last tier that can answer): a confident
    /// <c>speculative</c> or <c>upstream</c> skips the draft's attempt to answer alone, and the draft answers alone only
    /// when the router gives it at least the tenant's quality floor. Speculation itself is lossless, and whether it
    /// saves energy is measured per model (<see cref="Core.Cascade.SpeculationValue"/>) rather than guessed per prompt,
    /// so a prediction never skips it.
    /// </summary>
    internal static CascadeTier Apply(CascadeTier tiers, CascadePolicy policy, RouterPrediction prediction, double threshold)
    {
        var canEscalate = (tiers & (CascadeTier.Speculative | CascadeTier.Upstream)) != 0;
        if (!canEscalate)
        {
            return tiers;
        }

        var escalates = prediction.Label is CascadeTiers.Speculative or CascadeTiers.Upstream && prediction.Probability >= threshold;
        if (escalates || prediction.DraftSuffices < policy.QualityFloor)
        {
            return tiers & ~CascadeTier.Draft;
        }

        return tiers;
    }
}
