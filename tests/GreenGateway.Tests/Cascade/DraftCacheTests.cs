using GreenGateway.Core.Cache;
using GreenGateway.Core.Cascade;

namespace GreenGateway.Cascade.Tests;

/// <summary>The cascade's gateway with the semantic cache on (in memory).</summary>
public sealed class CachedCascadeFixture : CascadeFixture
{
    protected override bool CacheEnabled => true;
}

/// <summary>
/// A draft model's answer is cached with its confidence, and served again only where the request's cascade would
/// have taken an answer from the draft.
/// </summary>
public sealed class DraftCacheTests(CachedCascadeFixture fixture) : IClassFixture<CachedCascadeFixture>
{
    [Fact]
    public async Task DraftAnswer_IsServedFromTheCache_OnlyWhereTheDraftIsAllowed()
    {
        // Tenant saver takes every draft answer (bar 0), so the first ask is answered by the draft and cached.
        const string question = "What does System.IO.Path.GetFileName do?";
        var (first, firstBody) = await fixture.AskAsync("key-saver", question);
        Assert.Equal("draft", CascadeFixture.Tier(first));

        // Written in the background: ask until the cache has it (or give up after a few seconds).
        HttpResponseMessage? again = null;
        System.Text.Json.Nodes.JsonObject? againBody = null;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            (again, againBody) = await fixture.AskAsync("key-saver", question);
            if (CascadeFixture.Tier(again) == "cache")
            {
                break;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Equal("cache", CascadeFixture.Tier(again!));
        Assert.Equal("draft", again!.Headers.GetValues("X-GG-Cache-Source").Single());
        Assert.Equal(CascadeFixture.Content(firstBody), CascadeFixture.Content(againBody!));

        // Without the draft among its tiers, the same tenant's request does not get the draft's answer from the cache.
        var (withoutDraft, _) = await fixture.AskAsync("key-saver", question, tiers: "cache,speculative,upstream");
        Assert.NotEqual("cache", CascadeFixture.Tier(withoutDraft));
        Assert.NotEqual("draft", CascadeFixture.Tier(withoutDraft));
    }

    [Fact]
    public async Task LargeModelsAnswer_IsServedFromTheCache_WithoutTheDraft()
    {
        const string question = "Explain System.IO.Path.GetExtension.";
        var (first, firstBody) = await fixture.AskAsync("key-alpha", question, tiers: "cache,upstream");
        Assert.Equal("upstream", CascadeFixture.Tier(first));

        HttpResponseMessage? again = null;
        System.Text.Json.Nodes.JsonObject? againBody = null;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            (again, againBody) = await fixture.AskAsync("key-alpha", question, tiers: "cache,upstream");
            if (CascadeFixture.Tier(again) == "cache")
            {
                break;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Equal("cache", CascadeFixture.Tier(again!));
        Assert.False(again!.Headers.Contains("X-GG-Cache-Source"));
        Assert.Equal(CascadeFixture.Content(firstBody), CascadeFixture.Content(againBody!));
    }
}

/// <summary><see cref="CascadePlan.Serves"/>: which cached answers a plan takes.</summary>
public sealed class CascadePlanServesTests
{
    private static readonly DraftProvenance Sure = new(0.95, 0.2);
    private static readonly DraftProvenance Unsure = new(0.5, 0.2);
    private static readonly DraftProvenance Scattered = new(0.95, 1.5);

    private static CascadePlan Plan(CascadeTier tiers, double bar = 0.8) =>
        new(tiers, new CascadePolicy { DraftBar = new DraftBar(bar) }, null, null);

    [Fact]
    public void ModelsOwnAnswer_IsAlwaysServed()
    {
        Assert.True(Plan(CascadeTier.Cache | CascadeTier.Upstream).Serves(null));
    }

    [Fact]
    public void DraftAnswer_NeedsTheDraftTier_AndToClearTodaysBar()
    {
        var all = CascadeTier.Cache | CascadeTier.Draft | CascadeTier.Speculative | CascadeTier.Upstream;

        Assert.True(Plan(all).Serves(Sure));
        Assert.False(Plan(all).Serves(Unsure));
        Assert.False(Plan(all).Serves(Scattered));
        Assert.True(Plan(all, bar: 0.4).Serves(Unsure));
        Assert.False(Plan(CascadeTier.Cache | CascadeTier.Speculative | CascadeTier.Upstream).Serves(Sure));
    }

    [Fact]
    public void DraftAnswer_IsServedWhateverItsConfidence_WhereTheDraftIsFinal()
    {
        Assert.True(Plan(CascadeTier.Cache | CascadeTier.Draft).Serves(Unsure));
    }
}
