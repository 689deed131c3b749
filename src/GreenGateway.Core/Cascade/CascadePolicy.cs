namespace GreenGateway.Core.Cascade;

/// <summary>
/// A tenant's cascade settings (the <c>cascade:</c> section of its policy): which tiers it may use, how the
/// speculative tier accepts draft tokens, the draft's confidence bar, a quality floor, a cap on joules per
/// request, and what changes when the grid is dirty. Immutable.
/// </summary>
public sealed record CascadePolicy
{
    public static CascadePolicy Default { get; } = new();

    /// <summary>The tiers the tenant may use. Default all.</summary>
    public CascadeTier Tiers { get; init; } = CascadeTier.All;

    /// <summary>The speculative tier's acceptance rule. Default <see cref="AcceptanceMode.Greedy"/> (lossless).</summary>
    public AcceptanceMode Acceptance { get; init; } = AcceptanceMode.Greedy;

    /// <summary>Alpha of <see cref="AcceptanceMode.Cascade"/>, in [0, 1]. Default 0.3.</summary>
    public double Lenience { get; init; } = 0.3;

    /// <summary>The bar the draft must clear to answer alone. Default <see cref="DraftBar"/>'s defaults.</summary>
    public DraftBar DraftBar { get; init; } = new();

    /// <summary>
    /// The lowest probability, by the router, that the draft's answer is good enough for the draft to answer
    /// alone, in [0, 1]. Default 0: the draft's own confidence decides.
    /// </summary>
    public double QualityFloor { get; init; }

    /// <summary>
    /// A cap on joules per request: a request the large model would be expected to exceed it with is served by
    /// the tiers below the large model alone. Default none.
    /// </summary>
    public double? MaxJoulesPerRequest { get; init; }

    /// <summary>
    /// The most milliseconds a tier's p99 latency may exceed the large model's alone (each measured on that model's
    /// recent answers) before the tier is skipped for this tenant. Default none: latency is reported, not enforced.
    /// </summary>
    public double? MaxAddedLatencyMs { get; init; }

    /// <summary>What changes while the grid's intensity is above a threshold. Default nothing.</summary>
    public CarbonAwarePolicy? CarbonAware { get; init; }

    /// <summary>This policy as it applies at a grid intensity of <paramref name="gramsPerKwh"/>.</summary>
    public CascadePolicy At(double gramsPerKwh)
    {
        if (CarbonAware is not { } dirty || gramsPerKwh <= dirty.AboveGramsPerKwh)
        {
            return this;
        }

        return this with
        {
            Tiers = dirty.Tiers is { } tiers ? Tiers & tiers : Tiers,
            Acceptance = dirty.Acceptance ?? Acceptance,
            Lenience = dirty.Lenience ?? Lenience,
            DraftBar = dirty.DraftBar ?? DraftBar,
            CarbonAware = null,
        };
    }
}

/// <summary>
/// Above <see cref="AboveGramsPerKwh"/> (gCO2e/kWh of the grid the model runs on), prefer cheaper tiers or the
/// lenient rule: the tiers are narrowed to <see cref="Tiers"/>, and the acceptance rule, lenience and draft bar
/// replaced where set. With <see cref="PreferRegionMaxAddedLatencyMs"/>, a live request first moves to the cleanest
/// region that serves its model within that added latency (docs/batches.md).
/// </summary>
public sealed record CarbonAwarePolicy(double AboveGramsPerKwh, CascadeTier? Tiers, AcceptanceMode? Acceptance, double? Lenience, DraftBar? DraftBar)
{
    /// <summary><c>prefer_region.max_added_latency_ms</c>: the most an upstream's declared <c>AddedLatencyMs</c> may be for a live
    /// request to move there. Default none: live requests stay in their model's region.</summary>
    public double? PreferRegionMaxAddedLatencyMs { get; init; }
}
