using System.Text;
using GreenGateway.Core.Carbon;
using GreenGateway.Core.Energy;
using GreenGateway.Core.Policies;
using GreenGateway.Core.Requests;

namespace GreenGateway.Core.Cascade.Tests;

/// <summary>The cascade loop on its own, without a server: order, the plan's say, failures, and what is handed on.</summary>
public sealed class TierCascadeTests
{
    [Fact]
    public async Task TriesAllowedTiersCheapestFirst_AndStopsAtTheFirstAnswer()
    {
        var tried = new List<CascadeTier>();
        var cascade = new TierCascade([
            new FakeTier(CascadeTier.Speculative, tried, answers: true),
            new FakeTier(CascadeTier.Rules, tried),
            new FakeTier(CascadeTier.Draft, tried, answers: true),
            new FakeTier(CascadeTier.Cache, tried),
        ]);

        await using var outcome = await cascade.RunAsync(Request(CascadeTier.All), TestContext.Current.CancellationToken);

        Assert.Equal([CascadeTier.Rules, CascadeTier.Cache, CascadeTier.Draft], tried);
        Assert.Equal(CascadeTiers.Draft, outcome.Answer!.Tier);
    }

    [Fact]
    public async Task TiersThePlanDoesNotAllow_AreNeverAsked()
    {
        var tried = new List<CascadeTier>();
        var cascade = new TierCascade([new FakeTier(CascadeTier.Rules, tried, answers: true), new FakeTier(CascadeTier.Cache, tried)]);

        await using var outcome = await cascade.RunAsync(Request(CascadeTier.Cache | CascadeTier.Upstream), TestContext.Current.CancellationToken);

        Assert.Equal([CascadeTier.Cache], tried);
        Assert.Null(outcome.Answer);
    }

    [Fact]
    public async Task ATierThatThrows_IsReported_AndCountsAsDeclined()
    {
        var tried = new List<CascadeTier>();
        var failures = new List<CascadeTier>();
        var cascade = new TierCascade([new FakeTier(CascadeTier.Cache, tried, throws: true), new FakeTier(CascadeTier.Draft, tried, answers: true)],
            (tier, _) => failures.Add(tier));

        await using var outcome = await cascade.RunAsync(Request(CascadeTier.All), TestContext.Current.CancellationToken);

        Assert.Equal([CascadeTier.Cache], failures);
        Assert.Equal(CascadeTiers.Draft, outcome.Answer!.Tier);
    }

    [Fact]
    public async Task WorkHandedOn_ReachesTheNextTier_AndIsDisposedWithTheOutcome()
    {
        var tried = new List<CascadeTier>();
        var handover = new Disposable();
        IAsyncDisposable? seen = null;
        var cascade = new TierCascade([
            new FakeTier(CascadeTier.Draft, tried, handOver: handover),
            new FakeTier(CascadeTier.Speculative, tried, answers: true, sees: h => seen = h),
        ]);

        var outcome = await cascade.RunAsync(Request(CascadeTier.All), TestContext.Current.CancellationToken);
        Assert.Same(handover, seen);
        Assert.False(handover.Disposed);

        await outcome.DisposeAsync();
        Assert.True(handover.Disposed);
    }

    [Fact]
    public async Task NoTierAnswers_HandedOnWorkIsStillDisposed()
    {
        var handover = new Disposable();
        var cascade = new TierCascade([new FakeTier(CascadeTier.Draft, [], handOver: handover)]);

        var outcome = await cascade.RunAsync(Request(CascadeTier.All), TestContext.Current.CancellationToken);
        await outcome.DisposeAsync();

        Assert.Null(outcome.Answer);
        Assert.True(handover.Disposed);
    }

    private static TierRequest Request(CascadeTier tiers)
    {
        Assert.True(OpenAiRequest.TryParse(Encoding.UTF8.GetBytes("""{"model":"m","messages":[{"role":"user","content":"hi"}]}"""),
            ApiKind.ChatCompletions, out var request, out _));
        var route = new ModelRoute("m", "default", "m", "llm-8b", new EnergyProfile { JoulesPerPromptToken = 0.023, JoulesPerCompletionToken = 0.45 }, "world");
        var tenant = new TenantPolicy { Id = "t", KeyHashes = [] };
        var plan = new CascadePlan(tiers, tenant.Cascade.At(400), null, null);
        return new TierRequest(request!, route, tenant, PolicySet.Empty, plan, new CarbonIntensity(400, "static", DateTimeOffset.UnixEpoch), null);
    }

    private sealed class Disposable : IAsyncDisposable
    {
        public bool Disposed { get; private set; }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }

    private sealed class FakeTier(CascadeTier tier, List<CascadeTier> tried, bool answers = false, bool throws = false,
        IAsyncDisposable? handOver = null, Action<IAsyncDisposable?>? sees = null) : ITier
    {
        public CascadeTier Tier => tier;

        public ValueTask<TierResult> TryAnswerAsync(TierRequest request, CancellationToken cancellationToken)
        {
            tried.Add(tier);
            sees?.Invoke(request.Handover);
            if (throws)
            {
                throw new InvalidOperationException("a tier's bug");
            }

            if (answers)
            {
                var end = new AnswerEnd("stop", new TokenUsage(1, 1, Counted: true), new TierWork(0.1, EnergyMethod.Measured));
                return ValueTask.FromResult(TierResult.Answered(TierAnswer.Whole(CascadeTiers.Name(tier), "m", "answer", end)));
            }

            return ValueTask.FromResult(handOver is null ? TierResult.Declined : TierResult.DeclinedWith(handOver));
        }
    }
}
