using GreenGateway.Core.Cache;
using GreenGateway.Redis.Cache;
using GreenGateway.Redis.Tests.Fixtures;
using StackExchange.Redis;

namespace GreenGateway.Redis.Tests.Cache;

/// <summary>The Redis semantic cache on a real server (redis-server, garnet-server, a three-node cluster), in server-side (VSIM) and client-side search where the server allows.</summary>
public abstract class SemanticCacheFunctionalTests(IRespServerFixture server) : IAsyncLifetime
{
    private static readonly CachedAnswer Answer = new("m", "Use the reset link.", "stop", "{\"id\":\"x\"}", 12, 6, 150.5, 0.02);
    private readonly string _tenant = $"t{Guid.NewGuid():N}";
    private readonly HashedNGramEmbedder _embedder = new();
    private ConnectionMultiplexer? _connection;

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    protected ConnectionMultiplexer Connection => _connection!;

    public async ValueTask InitializeAsync() => _connection = await server.ConnectAsync();

    public async ValueTask DisposeAsync() => await _connection!.DisposeAsync();

    public static TheoryData<VectorSearchMode> Modes => [VectorSearchMode.Auto, VectorSearchMode.Client];

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task StoredAnswer_IsAnExactHit_WithEverythingNeededToReplayIt(VectorSearchMode mode)
    {
        var cache = Create(mode);
        Assert.True(await cache.StoreAsync(Query("How do I reset my password?"), Answer, Token));
        var result = await cache.LookupAsync(Query("how do i reset my PASSWORD"), Token);
        Assert.Equal(CacheLookupKind.ExactHit, result.Kind);
        Assert.Equal(Answer, result.Entry!.Answer);
        Assert.Equal(_embedder.Dimensions, result.Entry.Embedding.Length);
        Assert.True(result.Entry.ExpiresAt > result.Entry.CreatedAt);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task DraftModelsAnswer_KeepsItsConfidence(VectorSearchMode mode)
    {
        var cache = Create(mode);
        var drafted = Answer with { Draft = new DraftProvenance(0.93, 0.25) };
        Assert.True(await cache.StoreAsync(Query("What does Path.GetFileName do?"), drafted, Token));
        var result = await cache.LookupAsync(Query("What does Path.GetFileName do?"), Token);
        Assert.Equal(drafted, result.Entry!.Answer);
        Assert.Equal(new DraftProvenance(0.93, 0.25), result.Entry.Answer.Draft);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Paraphrase_IsASemanticHit_AndAnUnrelatedQuestionMisses(VectorSearchMode mode)
    {
        var cache = Create(mode, threshold: 0.8);
        await cache.StoreAsync(Query("How do I reset my password?"), Answer, Token);
        await cache.StoreAsync(Query("What is the capital of France?"), Answer with { Content = "Paris." }, Token);
        var hit = await cache.LookupAsync(Query("How can I reset my password?"), Token);
        var miss = await cache.LookupAsync(Query("How many legs does a spider have?"), Token);
        Assert.Equal(CacheLookupKind.SemanticHit, hit.Kind);
        Assert.Equal("Use the reset link.", hit.Entry!.Answer.Content);
        Assert.InRange(hit.Similarity, 0.8, 1.0);
        Assert.Equal(CacheLookupKind.Miss, miss.Kind);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task OtherPartitions_NeverSeeAnEntry_AndHighTemperatureBypasses(VectorSearchMode mode)
    {
        var cache = Create(mode);
        await cache.StoreAsync(Query("How do I reset my password?"), Answer, Token);
        var otherTenant = new CacheQuery(Query("x").Partition with { TenantId = _tenant + "-other" }, "How do I reset my password?", 0);
        var otherModel = new CacheQuery(Query("x").Partition with { Model = "other" }, "How do I reset my password?", 0);
        Assert.Equal(CacheLookupKind.Miss, (await cache.LookupAsync(otherTenant, Token)).Kind);
        Assert.Equal(CacheLookupKind.Miss, (await cache.LookupAsync(otherModel, Token)).Kind);
        Assert.Equal(CacheLookupKind.Bypass, (await cache.LookupAsync(Query("How do I reset my password?") with { Temperature = 1.5 }, Token)).Kind);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task TwoReplicas_SeeEachOthersEntries(VectorSearchMode mode)
    {
        await using var other = await server.ConnectAsync();
        var replicaA = Create(mode, threshold: 0.8);
        var replicaB = new RedisSemanticCache(other, _embedder, new SemanticCacheOptions { SimilarityThreshold = 0.8 }, new RedisSemanticCacheOptions { SearchMode = mode });
        await replicaA.StoreAsync(Query("How do I reset my password?"), Answer, Token);
        Assert.Equal(CacheLookupKind.SemanticHit, (await replicaB.LookupAsync(Query("How can I reset my password?"), Token)).Kind);

        // B has synced this partition; a later store by A must still reach it.
        await replicaA.StoreAsync(Query("How do I cancel my subscription?"), Answer with { Content = "Settings > Billing." }, Token);
        var second = await replicaB.LookupAsync(Query("How can I cancel my subscription?"), Token);
        Assert.Equal("Settings > Billing.", second.Entry?.Answer.Content);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task ExactHits_AndLookupsOfAnEmptyPartition_CostNoEmbedding(VectorSearchMode mode)
    {
        var embedder = new CountingEmbedder(_embedder);
        var cache = new RedisSemanticCache(Connection, embedder, new SemanticCacheOptions { SimilarityThreshold = 0.8 }, new RedisSemanticCacheOptions { SearchMode = mode });
        Assert.False((await cache.LookupAsync(Query("How do I reset my password?"), Token)).IsHit);
        var expected = mode == VectorSearchMode.Client || cache.Engine == VectorEngine.None ? 0 : 1;
        Assert.Equal(expected, embedder.Calls);

        await cache.StoreAsync(Query("How do I reset my password?"), Answer, Token);
        var afterStore = embedder.Calls;
        Assert.Equal(CacheLookupKind.ExactHit, (await cache.LookupAsync(Query("How do I reset my password?"), Token)).Kind);
        Assert.Equal(afterStore, embedder.Calls);
        Assert.Equal(CacheLookupKind.SemanticHit, (await cache.LookupAsync(Query("How can I reset my password?"), Token)).Kind);
        Assert.Equal(afterStore + 1, embedder.Calls);
    }

    private sealed class CountingEmbedder(IEmbedder inner) : IEmbedder
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public int Dimensions => inner.Dimensions;

        public string Name => inner.Name;

        public ValueTask<float[]> EmbedAsync(string text, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return inner.EmbedAsync(text, cancellationToken);
        }
    }

    [Fact]
    public async Task ClientIndex_FollowsAnotherReplicasStoresEvictionsAndLogCompactions()
    {
        // Cap 4: every store past the fourth evicts the oldest, so the log gains a removal per store and is compacted
        // (past 4 x 4 + 64 items) about every 38 stores. One reader syncs every 7 stores, from the log's tail; another
        // synced once near the start, so after the compactions its offset points into a rewritten log.
        await using var other = await server.ConnectAsync();
        await using var third = await server.ConnectAsync();
        var options = new SemanticCacheOptions { SimilarityThreshold = 0.8, EntryTimeToLive = TimeSpan.FromHours(1), MaxEntriesPerPartition = 4 };
        var client = new RedisSemanticCacheOptions { SearchMode = VectorSearchMode.Client };
        var writer = new RedisSemanticCache(Connection, _embedder, options, client);
        var reader = new RedisSemanticCache(other, _embedder, options, client);
        var lagging = new RedisSemanticCache(third, _embedder, options, client);
        var last = 0;
        for (var i = 0; await CompactionsAsync() < 2; i++)
        {
            Assert.True(i < 200, "the log was not compacted twice in 200 stores");
            await writer.StoreAsync(Query($"How do I configure widget {i} on the dashboard?"), Answer with { Content = $"widget {i}" }, Token);
            last = i;
            if (i == 2)
            {
                Assert.True((await lagging.LookupAsync(Query("How can I configure widget 2 on the dashboard?"), Token)).IsHit);
            }

            if (i % 7 != 6)
            {
                continue;
            }

            var latest = await reader.LookupAsync(Query($"How can I configure widget {i} on the dashboard?"), Token);
            Assert.Equal(CacheLookupKind.SemanticHit, latest.Kind);
            Assert.Equal($"widget {i}", latest.Entry!.Answer.Content);

            // An older entry is served exactly while it is still stored (evictions go by expiry time, ties within a
            // millisecond by id, so which of the older ones are gone is read from Redis).
            Assert.Equal(await StoredAsync(i - 5), (await reader.LookupAsync(Query($"How can I configure widget {i - 5} on the dashboard?"), Token)).IsHit);
        }

        // Just after a compaction: the live entries are the rewritten log's first items, which the lagging reader
        // must replay from the start rather than from its old offset.
        var live = 0;
        for (var i = last - 7; i <= last; i++)
        {
            var stored = await StoredAsync(i);
            live += stored ? 1 : 0;
            Assert.Equal(stored, (await lagging.LookupAsync(Query($"How can I configure widget {i} on the dashboard?"), Token)).IsHit);
        }

        Assert.Equal(4, live);

        async Task<bool> StoredAsync(int widget) =>
            (await writer.LookupAsync(Query($"How do I configure widget {widget} on the dashboard?"), Token)).Kind == CacheLookupKind.ExactHit;

        async Task<long> CompactionsAsync()
        {
            var db = Connection.GetDatabase();
            var epochs = 0L;
            foreach (var endpoint in Connection.GetEndPoints())
            {
                var node = Connection.GetServer(endpoint);
                if (!node.IsReplica)
                {
                    await foreach (var key in node.KeysAsync(pattern: "gg:cache:*:epoch"))
                    {
                        epochs += (long)await db.StringGetAsync(key);
                    }
                }
            }

            return epochs;
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task ExpiredEntry_IsNotServed_AndIsSweptFromTheIndexes(VectorSearchMode mode)
    {
        var cache = Create(mode, threshold: 0.8, ttl: TimeSpan.FromSeconds(1));
        await cache.StoreAsync(Query("How do I reset my password?"), Answer, Token);
        await Wait.UntilAsync(async () => !(await cache.LookupAsync(Query("How can I reset my password?"), Token)).IsHit);
        Assert.False((await cache.LookupAsync(Query("How do I reset my password?"), Token)).IsHit);

        // The next store sweeps the expired id out of the expiry set (and the vector set where there is one).
        var longLived = Create(mode, threshold: 0.8);
        await longLived.StoreAsync(Query("What is the capital of France?"), Answer, Token);
        var zsets = 0;
        var db = Connection.GetDatabase();
        foreach (var endpoint in Connection.GetEndPoints())
        {
            var node = Connection.GetServer(endpoint);
            if (node.IsReplica)
            {
                continue;
            }

            await foreach (var key in node.KeysAsync(pattern: "gg:cache:*:z"))
            {
                if ((await db.SortedSetRangeByScoreAsync(key, double.NegativeInfinity, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())).Length > 0)
                {
                    zsets++;
                }
            }
        }

        Assert.Equal(0, zsets);
    }

    [Fact]
    public async Task ParaphraseSet_ThroughTheCache_MatchesTheEmbedderOnItsOwn()
    {
        var cache = Create(VectorSearchMode.Auto, threshold: 0.9);
        var pairs = LoadPairs();
        int same = 0, different = 0, hits = 0, falseHits = 0, expectedHits = 0, expectedFalseHits = 0;
        for (var i = 0; i < pairs.Count; i++)
        {
            var (isSame, a, b) = pairs[i];
            var partition = new CachePartition($"{_tenant}-{i}", "m", "p", "c");
            await cache.StoreAsync(new CacheQuery(partition, a, 0), Answer, Token);
            var result = await cache.LookupAsync(new CacheQuery(partition, b, 0), Token);
            // The same acceptance rule computed directly: cosine at the threshold and the lexical guard, or an exact match.
            var direct = (VectorMath.Dot(_embedder.Embed(a), _embedder.Embed(b)) >= 0.9 && LexicalGuard.Agrees(a, b)) || CacheKeys.PromptHash(a) == CacheKeys.PromptHash(b);
            if (isSame)
            {
                same++;
                hits += result.IsHit ? 1 : 0;
                expectedHits += direct ? 1 : 0;
            }
            else
            {
                different++;
                falseHits += result.IsHit ? 1 : 0;
                expectedFalseHits += direct ? 1 : 0;
            }
        }

        TestContext.Current.SendDiagnosticMessage($"{server.Kind}: hit rate {hits}/{same}, false-hit rate {falseHits}/{different} at 0.9");
        Assert.Equal(expectedHits, hits);
        Assert.Equal(expectedFalseHits, falseHits);
        Assert.True(hits > 0);
    }

    private RedisSemanticCache Create(VectorSearchMode mode, double threshold = 0.9, TimeSpan? ttl = null) =>
        new(Connection, _embedder, new SemanticCacheOptions { SimilarityThreshold = threshold, EntryTimeToLive = ttl ?? TimeSpan.FromHours(1) }, new RedisSemanticCacheOptions { SearchMode = mode });

    private CacheQuery Query(string prompt) => new(new CachePartition(_tenant, "m", new CacheParameters { Temperature = 0 }.Hash(), CacheKeys.ContextHash([])), prompt, 0);

    private static List<(bool Same, string A, string B)> LoadPairs()
    {
        var pairs = new List<(bool, string, string)>();
        foreach (var line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "TestData", "paraphrases.tsv")))
        {
            if (line.Length > 0 && line[0] != '#')
            {
                var parts = line.Split('\t');
                pairs.Add((parts[0] == "1", parts[1], parts[2]));
            }
        }

        return pairs;
    }
}

public sealed class RedisServerSemanticCacheTests(RedisServerFixture server) : SemanticCacheFunctionalTests(server)
{
    [Fact]
    public async Task Redis7_HasNoVectorSets_SoSearchRunsInTheGateway() =>
        Assert.Equal(VectorEngine.None, await new RedisSemanticCache(Connection, new HashedNGramEmbedder()).DetectEngineAsync(Token));
}

public sealed class ClusterSemanticCacheTests(RedisClusterFixture cluster) : SemanticCacheFunctionalTests(cluster);

public sealed class GarnetSemanticCacheTests(GarnetServerFixture server) : SemanticCacheFunctionalTests(server)
{
    [Fact]
    public async Task Garnet_IsDetected_SoVsimScoresAreReadAsDistances() =>
        Assert.Equal(VectorEngine.Garnet, await new RedisSemanticCache(Connection, new HashedNGramEmbedder()).DetectEngineAsync(Token));
}

public sealed class VectorScoresTests
{
    [Theory]
    [InlineData(VectorEngine.Redis, 1.0, 1.0)]
    [InlineData(VectorEngine.Redis, 0.5, 0.0)]
    [InlineData(VectorEngine.Redis, 0.0, -1.0)]
    [InlineData(VectorEngine.Garnet, 0.0, 1.0)]
    [InlineData(VectorEngine.Garnet, 2.0, 0.0)]
    [InlineData(VectorEngine.Garnet, 4.0, -1.0)]
    public void ToCosine_ConvertsEachEnginesScale(VectorEngine engine, double score, double cosine) =>
        Assert.Equal(cosine, VectorScores.ToCosine(engine, score), 9);
}
