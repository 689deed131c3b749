using GreenGateway.Core.Cascade;

namespace GreenGateway.Cascade.Tests;

/// <summary>How the router's prediction narrows a request's tiers (<see cref="CascadePlanner.Apply"/>).</summary>
public sealed class CascadePlannerTests
{
    private static readonly CascadePolicy Policy = new();

    [Fact]
    public void ConfidentUpstream_SkipsTheDraftAnsweringAlone_NotSpeculation()
    {
        // Whether speculation pays is measured per model, not guessed per prompt (SpeculationValue).
        var tiers = CascadePlanner.Apply(CascadeTier.All, Policy, new RouterPrediction("upstream", 0.9, 0.05), threshold: 0.6);

        Assert.Equal(CascadeTier.All & ~CascadeTier.Draft, tiers);
    }

    [Fact]
    public void ConfidentSpeculative_SkipsOnlyTheDraftAnsweringAlone()
    {
        var tiers = CascadePlanner.Apply(CascadeTier.All, Policy, new RouterPrediction("speculative", 0.7, 0.2), threshold: 0.6);

        Assert.Equal(CascadeTier.All & ~CascadeTier.Draft, tiers);
    }

    [Fact]
    public void UnsurePrediction_ChangesNothing()
    {
        Assert.Equal(CascadeTier.All, CascadePlanner.Apply(CascadeTier.All, Policy, new RouterPrediction("upstream", 0.5, 0.3), threshold: 0.6));
        Assert.Equal(CascadeTier.All, CascadePlanner.Apply(CascadeTier.All, Policy, new RouterPrediction("draft", 0.9, 0.9), threshold: 0.6));
    }

    [Fact]
    public void QualityFloor_KeepsTheDraftFromAnsweringAlone_WhenTheRouterDoubtsIt()
    {
        var strict = Policy with { QualityFloor = 0.8 };

        Assert.Equal(CascadeTier.All & ~CascadeTier.Draft, CascadePlanner.Apply(CascadeTier.All, strict, new RouterPrediction("draft", 0.55, 0.7), 0.6));
        Assert.Equal(CascadeTier.All, CascadePlanner.Apply(CascadeTier.All, strict, new RouterPrediction("draft", 0.85, 0.85), 0.6));
    }

    [Fact]
    public void TheLastTierThatCanAnswer_IsNeverSkipped()
    {
        // A spent budget leaves rules, cache and the draft: the draft's answer is then final, whatever the router says.
        var below = CascadeTiers.BelowUpstream;

        Assert.Equal(below, CascadePlanner.Apply(below, Policy with { QualityFloor = 0.9 }, new RouterPrediction("upstream", 0.99, 0.01), 0.6));
    }
}
