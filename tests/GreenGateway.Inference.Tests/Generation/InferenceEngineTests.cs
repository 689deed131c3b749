using GreenGateway.Inference.Generation;
using GreenGateway.Inference.Tests.Models;

namespace GreenGateway.Inference.Tests.Generation;

public sealed class InferenceEngineTests
{
    private static readonly SamplingOptions Greedy32 = new() { Temperature = 0, MaxTokens = 32, IgnoreEos = true, TopLogprobs = 3 };

    [Fact]
    public async Task GenerateAsync_Greedy_StreamsTheReferenceContinuationAndEndsWithLength()
    {
        using var engine = EngineFactory.Create();
        var prompt = ReferenceModelTests.PromptIds("llama", 1);
        var expected = ReferenceData.Ints(ReferenceData.Root.GetProperty("models").GetProperty("llama").GetProperty("greedy")[1]);

        var tokens = await EngineFactory.Collect(engine.GenerateAsync(prompt, Greedy32, TestContext.Current.CancellationToken));

        Assert.Equal(expected, tokens.Select(static t => t.TokenId));
        Assert.Equal(FinishReason.Length, tokens[^1].FinishReason);
        Assert.All(tokens[..^1], static t => Assert.Null(t.FinishReason));
        Assert.Equal(engine.Tokenizer.Decode(expected, skipSpecialTokens: true), string.Concat(tokens.Select(static t => t.Text)));
    }

    [Fact]
    public async Task GenerateAsync_PromptPrefilledInSmallChunks_StillGivesTheReferenceContinuation()
    {
        using var engine = EngineFactory.Create(options: new EngineOptions { PrefillChunk = 2 });
        var prompt = ReferenceModelTests.PromptIds("llama", 1);
        var expected = ReferenceData.Ints(ReferenceData.Root.GetProperty("models").GetProperty("llama").GetProperty("greedy")[1]);

        var tokens = await EngineFactory.Collect(engine.GenerateAsync(prompt, Greedy32, TestContext.Current.CancellationToken));

        Assert.Equal(expected, tokens.Select(static t => t.TokenId));
    }

    [Fact]
    public async Task GenerateAsync_Logprobs_AreLogSoftmaxOfTheReferenceLogits()
    {
        using var engine = EngineFactory.Create();
        var prompt = ReferenceModelTests.PromptIds("llama", 0);
        var vocab = engine.Model.Config.VocabSize;
        var reference = ReferenceData.Tensor("llama.prefill.0").AsSpan((prompt.Length - 1) * vocab, vocab).ToArray();
        var expected = new float[vocab];
        Inference.Kernels.VectorOps.LogSoftmax(reference, expected);

        var first = (await EngineFactory.Collect(engine.GenerateAsync(prompt, Greedy32 with { MaxTokens = 1 }, TestContext.Current.CancellationToken)))[0];

        Assert.Equal(expected[first.TokenId], first.Logprob, 1e-4);
        Assert.Equal(3, first.TopLogprobs.Count);
        Assert.Equal(first.TokenId, first.TopLogprobs[0].TokenId);
        Assert.True(first.TopLogprobs[0].Logprob >= first.TopLogprobs[1].Logprob && first.TopLogprobs[1].Logprob >= first.TopLogprobs[2].Logprob);
        Assert.Equal(expected[first.TopLogprobs[2].TokenId], first.TopLogprobs[2].Logprob, 1e-4);
    }

    [Fact]
    public async Task GenerateAsync_SameSeed_GivesTheSameTokens_OtherSeedsDiffer()
    {
        using var engine = EngineFactory.Create();
        var prompt = ReferenceModelTests.PromptIds("llama", 0);
        var options = new SamplingOptions { Temperature = 1.5f, TopK = 50, TopP = 0.95f, Seed = 7, MaxTokens = 16, IgnoreEos = true };
        var ct = TestContext.Current.CancellationToken;

        var a = (await EngineFactory.Collect(engine.GenerateAsync(prompt, options, ct))).Select(static t => t.TokenId).ToArray();
        var b = (await EngineFactory.Collect(engine.GenerateAsync(prompt, options, ct))).Select(static t => t.TokenId).ToArray();
        var others = new List<int[]>();
        for (var seed = 8; seed < 12; seed++)
        {
            others.Add((await EngineFactory.Collect(engine.GenerateAsync(prompt, options with { Seed = seed }, ct))).Select(static t => t.TokenId).ToArray());
        }

        Assert.Equal(a, b);
        Assert.Contains(others, o => !o.SequenceEqual(a));
    }

    [Fact]
    public async Task GenerateAsync_TopKOneOrTinyTopP_EqualsGreedy()
    {
        using var engine = EngineFactory.Create("qwen2");
        var prompt = ReferenceModelTests.PromptIds("qwen2", 0);
        var ct = TestContext.Current.CancellationToken;
        var greedy = await Ids(engine, prompt, Greedy32 with { MaxTokens = 12 }, ct);

        var topK = await Ids(engine, prompt, new SamplingOptions { Temperature = 2, TopK = 1, Seed = 3, MaxTokens = 12, IgnoreEos = true }, ct);
        var topP = await Ids(engine, prompt, new SamplingOptions { Temperature = 1, TopP = 1e-6f, Seed = 3, MaxTokens = 12, IgnoreEos = true }, ct);

        Assert.Equal(greedy, topK);
        Assert.Equal(greedy, topP);
    }

    [Fact]
    public async Task GenerateAsync_StopToken_EndsTheGenerationWithStop()
    {
        using var engine = EngineFactory.Create();
        var prompt = ReferenceModelTests.PromptIds("llama", 1);
        var expected = ReferenceData.Ints(ReferenceData.Root.GetProperty("models").GetProperty("llama").GetProperty("greedy")[1]);
        var stopAt = Array.IndexOf(expected, expected[4]);

        var tokens = await EngineFactory.Collect(engine.GenerateAsync(prompt, Greedy32 with { StopTokenIds = [expected[4]] }, TestContext.Current.CancellationToken));

        Assert.Equal(stopAt + 1, tokens.Count);
        Assert.Equal(FinishReason.Stop, tokens[^1].FinishReason);
    }

    [Fact]
    public async Task GenerateAsync_ManyAtOnce_EachGivesWhatItGivesAlone()
    {
        using var engine = EngineFactory.Create();
        var ct = TestContext.Current.CancellationToken;
        var prompts = new[] { ReferenceModelTests.PromptIds("llama", 0), ReferenceModelTests.PromptIds("llama", 1) };
        var alone = new[] { await Ids(engine, prompts[0], Greedy32, ct), await Ids(engine, prompts[1], Greedy32, ct) };

        var together = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => Ids(engine, prompts[i % 2], Greedy32, ct), ct)));

        for (var i = 0; i < together.Length; i++)
        {
            Assert.Equal(alone[i % 2], together[i]);
        }

        Assert.Equal(0, engine.KvCacheBytesInUse);
        Assert.InRange(engine.LargestDecodeBatch, 2, 8);
    }

    [Fact]
    public async Task GenerateAsync_PastTheKvBudget_ThrowsAClearErrorAndLeavesTheBudgetIntact()
    {
        var config = Inference.Models.ModelConfig.FromJson(File.ReadAllText(Path.Combine(ReferenceData.ModelPath("llama"), "config.json")));
        var perSequence = Inference.Models.KvCache.BytesFor(config, 40);
        using var engine = EngineFactory.Create(options: new EngineOptions { MaxKvCacheBytes = perSequence + perSequence / 2 });
        var prompt = ReferenceModelTests.PromptIds("llama", 0);
        using var held = engine.RentCache(40);

        var error = await Assert.ThrowsAsync<KvCacheBudgetExceededException>(
            () => Ids(engine, prompt, Greedy32 with { MaxTokens = 35 }, TestContext.Current.CancellationToken));

        Assert.Contains("KV cache budget exceeded", error.Message);
        Assert.Equal(perSequence, engine.KvCacheBytesInUse);
        held.Dispose();
        Assert.Equal(32, (await Ids(engine, prompt, Greedy32, TestContext.Current.CancellationToken)).Length);
    }

    [Fact]
    public async Task GenerateAsync_CancelledMidway_StopsAndReleasesItsCache()
    {
        using var engine = EngineFactory.Create();
        using var cts = new CancellationTokenSource();
        var seen = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in engine.GenerateAsync(ReferenceModelTests.PromptIds("llama", 0), Greedy32, cts.Token))
            {
                if (++seen == 3)
                {
                    await cts.CancelAsync();
                }
            }
        });

        Assert.Equal(3, seen);
        Assert.Equal(0, engine.KvCacheBytesInUse);
    }

    [Fact]
    public async Task GenerateAsync_OnALeaseHoldingAPrefix_ContinuesAsAFreshGenerationWould()
    {
        using var engine = EngineFactory.Create();
        var ct = TestContext.Current.CancellationToken;
        var prompt = ReferenceModelTests.PromptIds("llama", 1);
        var fresh = await Ids(engine, prompt, Greedy32 with { MaxTokens = 8 }, ct);
        using var lease = engine.RentCache(64);
        await Ids(engine, lease, prompt[..5], Greedy32 with { MaxTokens = 3 }, ct);

        var continued = await Ids(engine, lease, prompt, Greedy32 with { MaxTokens = 8 }, ct);

        Assert.Equal(fresh, continued);
        Assert.Equal(prompt, lease.Cache.Tokens.Take(prompt.Length));
    }

    [Fact]
    public async Task GenerateAsync_TwoGenerationsOnOneLease_SecondIsRefused()
    {
        using var engine = EngineFactory.Create();
        var ct = TestContext.Current.CancellationToken;
        using var lease = engine.RentCache(64);
        var prompt = ReferenceModelTests.PromptIds("llama", 0);
        await using var first = engine.GenerateAsync(lease, prompt, Greedy32, ct).GetAsyncEnumerator(ct);
        Assert.True(await first.MoveNextAsync());

        await Assert.ThrowsAsync<InvalidOperationException>(() => Ids(engine, lease, prompt, Greedy32, ct));

        Assert.True(await first.MoveNextAsync());
    }

    [Fact]
    public async Task ScorePromptAsync_EveryPosition_MatchesLogSoftmaxOfReferencePrefill()
    {
        using var engine = EngineFactory.Create(options: new EngineOptions { PromptScoringChunk = 3 });
        var prompt = ReferenceModelTests.PromptIds("llama", 1);
        var vocab = engine.Model.Config.VocabSize;
        var reference = ReferenceData.Tensor("llama.prefill.1");
        var expected = new float[vocab];

        var scores = await engine.ScorePromptAsync(prompt, topLogprobs: 2, TestContext.Current.CancellationToken);

        Assert.Equal(prompt.Length, scores.Count);
        Assert.Null(scores[0].Logprob);
        for (var i = 1; i < prompt.Length; i++)
        {
            Inference.Kernels.VectorOps.LogSoftmax(reference.AsSpan((i - 1) * vocab, vocab), expected);
            Assert.Equal(prompt[i], scores[i].TokenId);
            Assert.Equal(expected[prompt[i]], scores[i].Logprob!.Value, 1e-4);
            Assert.Equal(2, scores[i].TopLogprobs.Count);
        }
    }

    [Fact]
    public async Task ScorePromptAsync_OnALease_LeavesThePromptForTheGenerationThatFollows()
    {
        using var engine = EngineFactory.Create();
        var ct = TestContext.Current.CancellationToken;
        var prompt = ReferenceModelTests.PromptIds("llama", 1);
        var expected = ReferenceData.Ints(ReferenceData.Root.GetProperty("models").GetProperty("llama").GetProperty("greedy")[1]);
        using var lease = engine.RentCache(64);

        var scores = await engine.ScorePromptAsync(lease, prompt, 0, ct);
        Assert.Equal(prompt, lease.Cache.Tokens);
        var generated = await Ids(engine, lease, prompt, Greedy32, ct);

        Assert.Equal(prompt.Length, scores.Count);
        Assert.Equal(expected, generated);
    }

    [Fact]
    public void SamplingOptions_Invalid_ReportsEveryProblemAtOnce()
    {
        var error = Assert.Throws<ArgumentException>(() => new SamplingOptions { Temperature = -1, TopP = 0, MaxTokens = 0 }.Validate());

        Assert.Contains("Temperature", error.Message);
        Assert.Contains("TopP", error.Message);
        Assert.Contains("MaxTokens", error.Message);
    }

    private static async Task<int[]> Ids(InferenceEngine engine, int[] prompt, SamplingOptions options, CancellationToken ct) =>
        (await EngineFactory.Collect(engine.GenerateAsync(prompt, options, ct))).Select(static t => t.TokenId).ToArray();

    private static async Task<int[]> Ids(InferenceEngine engine, KvCacheLease lease, int[] prompt, SamplingOptions options, CancellationToken ct) =>
        (await EngineFactory.Collect(engine.GenerateAsync(lease, prompt, options, ct))).Select(static t => t.TokenId).ToArray();
}
