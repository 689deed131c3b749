using GreenGateway.Core.Cache;
using GreenGateway.Core.Carbon;
using GreenGateway.Core.Policies;
using GreenGateway.Core.Requests;

namespace GreenGateway.Core.Cascade;

/// <summary>
/// One tier of the cascade below the large model alone (rules, cache, draft, speculative). It either declines or
/// returns an answer with its figures; it never writes a response (the host's AnswerWriter does), so a tier can be
/// tested, and the whole cascade run, without a server.
/// </summary>
public interface ITier
{
    /// <summary>Which tier this is; the cascade tries tiers in the order of this value, where the plan allows them.</summary>
    CascadeTier Tier { get; }

    ValueTask<TierResult> TryAnswerAsync(TierRequest request, CancellationToken cancellationToken);
}

/// <summary>What a tier gets: the typed request and everything decided about it before the cascade.</summary>
/// <param name="Request">The parsed request.</param>
/// <param name="Route">Where the large model is (its upstream, the name there, its energy profile).</param>
/// <param name="Tenant">The tenant's policy.</param>
/// <param name="Policies">The policy set the request started with (the tenant's rules).</param>
/// <param name="Plan">The tiers this request may use and under which settings.</param>
/// <param name="Grid">The grid's carbon intensity now, where the large model runs.</param>
/// <param name="CacheQuery">The cache's query for this request; null when it cannot be cached.</param>
public sealed record TierRequest(OpenAiRequest Request, ModelRoute Route, TenantPolicy Tenant, PolicySet Policies, CascadePlan Plan, CarbonIntensity Grid, CacheQuery? CacheQuery)
{
    /// <summary>What an earlier tier that declined handed on (the draft's run, whose tokens the speculative tier verifies first).</summary>
    public IAsyncDisposable? Handover { get; init; }
}

/// <summary>A tier's verdict: declined (optionally handing work on to the next tier), or an answer.</summary>
public readonly struct TierResult
{
    private TierResult(TierAnswer? answer, IAsyncDisposable? handover)
    {
        Answer = answer;
        Handover = handover;
    }

    public TierAnswer? Answer { get; }

    /// <summary>Work a declining tier hands to the next (owned by the cascade from then on).</summary>
    public IAsyncDisposable? Handover { get; }

    public static TierResult Declined => default;

    public static TierResult DeclinedWith(IAsyncDisposable handover) => new(null, handover);

    public static TierResult Answered(TierAnswer answer) => new(answer, null);
}
