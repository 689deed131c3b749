using GreenGateway.Core.Cache;

namespace GreenGateway.Core.Cascade;

/// <summary>
/// The tiers one request may use and under which settings, decided once at admission from the tenant's policy
/// (at the grid's current intensity), the request's <c>X-GG-Tiers</c>, a spent budget, the joule cap, what the
/// draft serves, and the router's prediction.
/// </summary>
/// <param name="Tiers">The tiers to try, cheapest first.</param>
/// <param name="Policy">The tenant's cascade policy as it applies now.</param>
/// <param name="Restricted">Why the tiers were restricted below the large model (budget, joule cap), if they were.</param>
/// <param name="Prediction">The router's prediction, when a router is loaded.</param>
public sealed record CascadePlan(CascadeTier Tiers, CascadePolicy Policy, string? Restricted, RouterPrediction? Prediction)
{
    /// <summary>
    /// Why the request goes to the large model alone although its tiers would allow cheaper ones: <c>baseline</c>, a probe
    /// that keeps the counterfactual fitted on the model's own answers. Null for an ordinary request.
    /// </summary>
    public string? Probe { get; init; }

    public bool Allows(CascadeTier tier) => (Tiers & tier) != 0;

    /// <summary>
    /// With neither the speculative tier nor the large model allowed, the draft's answer is final whatever its
    /// confidence (a spent budget, a joule cap, <c>X-GG-Tiers: draft</c>).
    /// </summary>
    public bool DraftIsFinal => Allows(CascadeTier.Draft) && !Allows(CascadeTier.Speculative) && !Allows(CascadeTier.Upstream);

    /// <summary>
    /// Whether a cached answer may answer this request: a model's own answer always (the cache tier is allowed);
    /// a draft model's answer only where this plan would take one from the draft: the draft is allowed (by the
    /// policy, <c>X-GG-Tiers</c> and the router) and the answer clears today's bar, or the draft's answer is final.
    /// </summary>
    public bool Serves(DraftProvenance? draft) =>
        draft is null || (Allows(CascadeTier.Draft)
            && (DraftIsFinal || (draft.MinTokenProbability >= Policy.DraftBar.MinTokenProbability && draft.MeanEntropy <= Policy.DraftBar.MaxMeanEntropy)));
}

/// <summary>The router's view of a prompt: the cheapest tier it predicts will answer well, with its probability.</summary>
/// <param name="DraftSuffices">Probability that a tier no dearer than the draft answers well enough (rules or draft).</param>
public sealed record RouterPrediction(string Label, double Probability, double DraftSuffices);
