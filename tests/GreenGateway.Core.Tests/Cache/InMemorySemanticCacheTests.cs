namespace GreenGateway.Core.Cache.Tests;

public sealed class InMemorySemanticCacheTests
{
    private static readonly CachedAnswer Answer = new("m", "Use the reset link.", "stop", "{}", 10, 5, 120, 0.01);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static CachePartition Partition(string tenant = "t", double temperature = 0) =>
        new(tenant, "m", new CacheParameters { Temperature = temperature }.Hash(), CacheKeys.ContextHash([new("system", "be brief")]));

    [Fact]
    public async Task SamePromptDifferentSpelling_IsAnExactHit()
    {
        var cache = new InMemorySemanticCache(new HashedNGramEmbedder());
        await cache.StoreAsync(new CacheQuery(Partition(), "How do I reset my password?", 0), Answer, Token);
        var result = await cache.LookupAsync(new CacheQuery(Partition(), "  how do I   RESET my password ", 0), Token);
        Assert.Equal(CacheLookupKind.ExactHit, result.Kind);
        Assert.Equal("Use the reset link.", result.Entry!.Answer.Content);
    }

    [Fact]
    public async Task Paraphrase_IsASemanticHit_AndAnotherQuestionIsAMiss()
    {
        var cache = new InMemorySemanticCache(new HashedNGramEmbedder(), new SemanticCacheOptions { SimilarityThreshold = 0.8 });
        await cache.StoreAsync(new CacheQuery(Partition(), "How do I reset my password?", 0), Answer, Token);
        var hit = await cache.LookupAsync(new CacheQuery(Partition(), "How can I reset my password?", 0), Token);
        var miss = await cache.LookupAsync(new CacheQuery(Partition(), "What is the capital of France?", 0), Token);
        Assert.Equal(CacheLookupKind.SemanticHit, hit.Kind);
        Assert.InRange(hit.Similarity, 0.8, 1.0);
        Assert.Equal(CacheLookupKind.Miss, miss.Kind);
    }

    [Fact]
    public async Task OtherTenantOrParameters_NeverSeeTheEntry()
    {
        var cache = new InMemorySemanticCache(new HashedNGramEmbedder());
        await cache.StoreAsync(new CacheQuery(Partition("a"), "How do I reset my password?", 0), Answer, Token);
        Assert.False((await cache.LookupAsync(new CacheQuery(Partition("b"), "How do I reset my password?", 0), Token)).IsHit);
        Assert.False((await cache.LookupAsync(new CacheQuery(Partition("a", 0.2), "How do I reset my password?", 0), Token)).IsHit);
    }

    [Fact]
    public async Task HighTemperature_Bypasses()
    {
        var cache = new InMemorySemanticCache(new HashedNGramEmbedder(), new SemanticCacheOptions { BypassTemperatureAbove = 0.5 });
        Assert.False(await cache.StoreAsync(new CacheQuery(Partition(), "hello", 0.9), Answer, Token));
        Assert.Equal(CacheLookupKind.Bypass, (await cache.LookupAsync(new CacheQuery(Partition(), "hello", 0.9), Token)).Kind);
        Assert.Equal(CacheLookupKind.Bypass, (await cache.LookupAsync(new CacheQuery(Partition(), "hello", null), Token)).Kind);
    }

    [Fact]
    public async Task Entry_ExpiresAfterItsTimeToLive()
    {
        var clock = new ManualClock(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var cache = new InMemorySemanticCache(new HashedNGramEmbedder(), new SemanticCacheOptions { EntryTimeToLive = TimeSpan.FromMinutes(5) }, clock);
        await cache.StoreAsync(new CacheQuery(Partition(), "How do I reset my password?", 0), Answer, Token);
        clock.Now += TimeSpan.FromMinutes(4);
        Assert.True((await cache.LookupAsync(new CacheQuery(Partition(), "How do I reset my password?", 0), Token)).IsHit);
        clock.Now += TimeSpan.FromMinutes(2);
        Assert.False((await cache.LookupAsync(new CacheQuery(Partition(), "How do I reset my password?", 0), Token)).IsHit);
    }

    [Fact]
    public void Keys_NormalizeAndSeparate()
    {
        Assert.Equal("how do i reset", CacheKeys.NormalizePrompt("  How do I\n reset?? "));
        Assert.NotEqual(new CacheParameters { MaxTokens = 10 }.Hash(), new CacheParameters { MaxTokens = 11 }.Hash());
        Assert.NotEqual(CacheKeys.ContextHash([new("system", "a")]), CacheKeys.ContextHash([new("user", "a")]));
        Assert.Equal(32, Partition().Id.Length);
    }

    [Fact]
    public void Partition_EveryFieldThatChangesAnAnswer_SeparatesEntries()
    {
        // Any of these reaching another partition would serve one tenant's, model's or setting's answer to another.
        var context = CacheKeys.ContextHash([new("system", "be brief")]);
        var parameters = new CacheParameters { Temperature = 0.5, TopP = 0.9, MaxTokens = 64, Seed = 7, PresencePenalty = 0.1, FrequencyPenalty = 0.2, Stop = ["ab"] };
        var baseline = new CachePartition("t", "m", parameters.Hash(), context);
        CachePartition[] others =
        [
            baseline with { TenantId = "u" },
            baseline with { Model = "n" },
            baseline with { ContextHash = CacheKeys.ContextHash([new("system", "be long")]) },
            baseline with { ParametersHash = (parameters with { Temperature = 0.6 }).Hash() },
            baseline with { ParametersHash = (parameters with { TopP = 0.8 }).Hash() },
            baseline with { ParametersHash = (parameters with { MaxTokens = 65 }).Hash() },
            baseline with { ParametersHash = (parameters with { Seed = 8 }).Hash() },
            baseline with { ParametersHash = (parameters with { PresencePenalty = 0.3 }).Hash() },
            baseline with { ParametersHash = (parameters with { FrequencyPenalty = 0.3 }).Hash() },
            baseline with { ParametersHash = (parameters with { Stop = ["a", "b"] }).Hash() },
            baseline with { ParametersHash = (parameters with { ToolsJson = "[]" }).Hash() },
            baseline with { ParametersHash = (parameters with { ResponseFormatJson = "{\"type\":\"json_object\"}" }).Hash() },
        ];

        Assert.All(others, other => Assert.NotEqual(baseline.Id, other.Id));
        Assert.Equal(baseline.Id, new CachePartition("t", "m", (parameters with { Stop = ["ab"] }).Hash(), context).Id);
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
