namespace GreenGateway.Core.Cache.Tests;

public sealed class PromptEmbeddingTests
{
    /// <summary>Counts the calls of a real embedder.</summary>
    private sealed class Counting(IEmbedder inner) : IEmbedder
    {
        public int Calls;

        public int Dimensions => inner.Dimensions;

        public string Name => inner.Name;

        public ValueTask<float[]> EmbedAsync(string text, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return inner.EmbedAsync(text, cancellationToken);
        }
    }

    [Fact]
    public async Task LookupAndStore_OfOneRequest_EmbedItsPromptOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var embedder = new Counting(new HashedNGramEmbedder());
        var cache = new InMemorySemanticCache(embedder);
        var partition = new CachePartition("t", "m", "p", "c");
        var query = new CacheQuery(partition, "How do I reset my password?", 0) { Embedding = new PromptEmbedding(embedder, "How do I reset my password?") };
        Assert.False(query.Embedding.Started);

        await cache.LookupAsync(query, ct);
        await cache.StoreAsync(query, new CachedAnswer("m", "a", "stop", "{}", 1, 1, 1, 1), ct);

        Assert.Equal(1, embedder.Calls);
    }

    [Fact]
    public async Task ExactHit_NeedsNoEmbedding()
    {
        var ct = TestContext.Current.CancellationToken;
        var embedder = new Counting(new HashedNGramEmbedder());
        var cache = new InMemorySemanticCache(embedder);
        var partition = new CachePartition("t", "m", "p", "c");
        await cache.StoreAsync(new CacheQuery(partition, "How do I reset my password?", 0), new CachedAnswer("m", "a", "stop", "{}", 1, 1, 1, 1), ct);
        var again = new CacheQuery(partition, "how do I reset my password", 0) { Embedding = new PromptEmbedding(embedder, "how do I reset my password") };

        var result = await cache.LookupAsync(again, ct);

        Assert.Equal(CacheLookupKind.ExactHit, result.Kind);
        Assert.False(again.Embedding.Started);
    }

    [Fact]
    public async Task SemanticNeighbour_ThatTheGuardRejects_IsAMiss()
    {
        var ct = TestContext.Current.CancellationToken;
        var cache = new InMemorySemanticCache(new HashedNGramEmbedder(), new SemanticCacheOptions { SimilarityThreshold = 0.5 });
        var partition = new CachePartition("t", "m", "p", "c");
        await cache.StoreAsync(new CacheQuery(partition, "How do I convert a double to a string?", 0), new CachedAnswer("m", "a", "stop", "{}", 1, 1, 1, 1), ct);

        var reversed = await cache.LookupAsync(new CacheQuery(partition, "How do I convert a string to a double?", 0), ct);
        var paraphrase = await cache.LookupAsync(new CacheQuery(partition, "How can I convert a double to a string", 0), ct);

        Assert.Equal(CacheLookupKind.Miss, reversed.Kind);
        Assert.Equal(CacheLookupKind.SemanticHit, paraphrase.Kind);
    }
}
