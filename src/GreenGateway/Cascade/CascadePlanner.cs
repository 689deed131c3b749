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
    Speculative.SpeculativeTier speculative)
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

        return (new CascadePlan(tiers, policy, restricted, prediction), null);
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
