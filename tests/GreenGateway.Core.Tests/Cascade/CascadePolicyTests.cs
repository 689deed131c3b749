using GreenGateway.Core.Cascade;
using GreenGateway.Core.Policies;

namespace GreenGateway.Core.Cascade.Tests;

public sealed class CascadePolicyTests
{
    private static readonly string Hash = PolicySet.HashKey("gg-cascade");

    private static PolicyLoadResult Parse(string cascade) =>
        PolicyParser.Parse([("p.yaml", $"tenants:\n  acme:\n    keys: [\"{Hash}\"]\n{cascade}")]);

    [Fact]
    public void NoCascadeSection_AllTiersGreedyDefaults()
    {
        var result = Parse("");

        var policy = result.Policies!.Tenants["acme"].Cascade;
        Assert.Equal(CascadeTier.All, policy.Tiers);
        Assert.Equal(AcceptanceMode.Greedy, policy.Acceptance);
        Assert.Null(policy.MaxJoulesPerRequest);
        Assert.Null(policy.CarbonAware);
    }

    [Fact]
    public void EverySetting_IsRead()
    {
        var result = Parse("""
                cascade:
                  tiers: [rules, cache, draft, upstream]
                  acceptance: cascade
                  lenience: 0.4
                  draft_confidence: { min_token_probability: 0.7, max_mean_entropy: 0.5 }
                  quality_floor: 0.6
                  max_joules_per_request: 120
                  carbon_aware: { above_g_per_kwh: 400, tiers: [rules, cache, draft, speculative], acceptance: sampling, lenience: 0.8 }

            """);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var policy = result.Policies!.Tenants["acme"].Cascade;
        Assert.Equal(CascadeTier.Rules | CascadeTier.Cache | CascadeTier.Draft | CascadeTier.Upstream, policy.Tiers);
        Assert.Equal(AcceptanceMode.Cascade, policy.Acceptance);
        Assert.Equal(0.4, policy.Lenience);
        Assert.Equal(new DraftBar(0.7, 0.5), policy.DraftBar);
        Assert.Equal(0.6, policy.QualityFloor);
        Assert.Equal(120, policy.MaxJoulesPerRequest);
        Assert.Equal(400, policy.CarbonAware!.AboveGramsPerKwh);
        Assert.Equal(AcceptanceMode.Sampling, policy.CarbonAware.Acceptance);
    }

    [Fact]
    public void CarbonAware_AppliesOnlyAboveItsThreshold_AndNarrowsTiers()
    {
        var policy = new CascadePolicy
        {
            Acceptance = AcceptanceMode.Greedy,
            Lenience = 0.1,
            CarbonAware = new CarbonAwarePolicy(400, CascadeTier.Rules | CascadeTier.Cache | CascadeTier.Draft, AcceptanceMode.Cascade, 0.6, new DraftBar(0.2, 3)),
        };

        Assert.Same(policy, policy.At(400));
        var dirty = policy.At(401);
        Assert.Equal(CascadeTier.Rules | CascadeTier.Cache | CascadeTier.Draft, dirty.Tiers);
        Assert.Equal(AcceptanceMode.Cascade, dirty.Acceptance);
        Assert.Equal(0.6, dirty.Lenience);
        Assert.Equal(0.2, dirty.DraftBar.MinTokenProbability);
    }

    [Fact]
    public void CarbonAware_NeverWidensTheTenantsTiers()
    {
        var policy = new CascadePolicy
        {
            Tiers = CascadeTier.Rules | CascadeTier.Upstream,
            CarbonAware = new CarbonAwarePolicy(100, CascadeTier.Rules | CascadeTier.Draft, null, null, null),
        };

        Assert.Equal(CascadeTier.Rules, policy.At(500).Tiers);
    }

    [Fact]
    public void Errors_AreAllReported_WithPositions()
    {
        var result = Parse("""
                cascade:
                  tiers: [rules, psychic]
                  acceptance: lenient
                  lenience: 1.5
                  draft_confidence: { min_token_probability: high, confidence: 1 }
                  carbon_aware: { acceptance: cascade }
                  budget: 3

            """);

        Assert.False(result.Succeeded);
        var all = string.Join("\n", result.Errors);
        Assert.Contains("p.yaml:5:22: tenant 'acme': cascade.tiers: unknown tier 'psychic'", all, StringComparison.Ordinal);
        Assert.Contains("cascade.acceptance is 'greedy', 'sampling' or 'cascade', not 'lenient'", all, StringComparison.Ordinal);
        Assert.Contains("cascade.lenience must be between 0 and 1, not 1.5", all, StringComparison.Ordinal);
        Assert.Contains("cascade.draft_confidence.min_token_probability must be a number >= 0, not 'high'", all, StringComparison.Ordinal);
        Assert.Contains("cascade.draft_confidence: unknown setting 'confidence'", all, StringComparison.Ordinal);
        Assert.Contains("cascade.carbon_aware needs above_g_per_kwh", all, StringComparison.Ordinal);
        Assert.Contains("cascade: unknown setting 'budget'", all, StringComparison.Ordinal);
        Assert.Equal(7, result.Errors.Count);
    }

    [Fact]
    public void TierList_ParsesHeaderValues_AndNamesTheUnknown()
    {
        Assert.Equal(CascadeTier.Upstream, CascadeTiers.ParseList("upstream", out var none));
        Assert.Null(none);
        Assert.Equal(CascadeTier.Draft | CascadeTier.Speculative, CascadeTiers.ParseList(" Draft , speculative ", out _));
        Assert.Equal(CascadeTier.Rules, CascadeTiers.ParseList("rules,oracle", out var unknown));
        Assert.Equal("oracle", unknown);
        Assert.Equal("rules,cache,draft,speculative,upstream", CascadeTiers.Format(CascadeTier.All));
    }
}
