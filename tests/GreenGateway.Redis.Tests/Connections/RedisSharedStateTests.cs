using GreenGateway.Core.Budgets;
using GreenGateway.Core.Cache;
using GreenGateway.Redis.Budgets;
using GreenGateway.Redis.Tests.Fixtures;
using StackExchange.Redis;

namespace GreenGateway.Redis.Tests.Connections;

public sealed class RedisSharedStateTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FromAConnectionString_LedgerAndCacheShareTheServer()
    {
        await using var server = new RedisServerFixture();
        await server.StartAsync();
        await using var state = await RedisSharedState.ConnectAsync(server.ConnectionString);
        var outcome = await state.Ledger.ReserveAsync(new ReserveRequest("s", "1", new EnergyCarbon(1, 0), [], DateTimeOffset.UtcNow), Token);
        Assert.True(outcome.Admitted);
        var query = new CacheQuery(new CachePartition("s", "m", "p", "c"), "hello there", 0);
        Assert.True(await state.Cache.StoreAsync(query, new CachedAnswer("m", "hi", "stop", "{}", 1, 1, 1, 0), Token));
        Assert.True((await state.Cache.LookupAsync(query, Token)).IsHit);
    }

    [Fact]
    public async Task RedisAwayAtStartup_FailOpenStartsAnyway_FailClosedRefuses()
    {
        var port = ServerProcess.FreePort();
        await using (var open = await RedisSharedState.ConnectAsync($"redis://127.0.0.1:{port}?connect_timeout=500"))
        {
            Assert.False(open.Multiplexer.IsConnected);
            Assert.True((await open.Ledger.ReserveAsync(new ReserveRequest("s", "1", new EnergyCarbon(1, 0), [], DateTimeOffset.UtcNow), Token)).Admitted);
        }

        var closed = new RedisSharedStateOptions { Ledger = new RedisBudgetLedgerOptions { FailMode = LedgerFailMode.FailClosed } };
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => RedisSharedState.ConnectAsync($"redis://127.0.0.1:{port}?connect_timeout=500", closed));
        Assert.Contains("fail-closed", error.Message, StringComparison.Ordinal);
    }
}
