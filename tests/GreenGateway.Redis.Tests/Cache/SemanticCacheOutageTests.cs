using GreenGateway.Core.Cache;
using GreenGateway.Redis.Cache;
using GreenGateway.Redis.Tests.Budgets;
using GreenGateway.Redis.Tests.Fixtures;

namespace GreenGateway.Redis.Tests.Cache;

public sealed class SemanticCacheOutageTests
{
    [Fact]
    public async Task WhileRedisIsAway_LookupsMissAndStoresAreSkipped_ThenTheCacheWorksWhenItReturns()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = new RedisServerFixture();
        await using var connection = await LedgerOutageTests.ConnectAsync(server);
        var cache = new RedisSemanticCache(connection, new HashedNGramEmbedder());
        var query = new CacheQuery(new CachePartition("t", "m", "p", "c"), "How do I reset my password?", 0);
        var answer = new CachedAnswer("m", "link", "stop", "{}", 1, 1, 10, 0.001);

        Assert.Equal(CacheLookupKind.Miss, (await cache.LookupAsync(query, token)).Kind);
        Assert.False(await cache.StoreAsync(query, answer, token));

        await server.StartAsync();
        await Wait.UntilAsync(() => connection.IsConnected);
        Assert.True(await cache.StoreAsync(query, answer, token));
        Assert.Equal(CacheLookupKind.ExactHit, (await cache.LookupAsync(query, token)).Kind);
    }
}
