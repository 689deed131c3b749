using GreenGateway.Core.Budgets;
using GreenGateway.Core.Cache;
using GreenGateway.Redis.Tests.Fixtures;
using StackExchange.Redis;

namespace GreenGateway.Redis.Tests.Cluster;

/// <summary>
/// What the gateway itself relies on in a cluster: GG_REDIS_URL naming one node is enough (StackExchange.Redis finds the
/// rest), and one tenant's ledger keys share a slot through their hash tag, so the scripts run. The ledger and cache
/// suites also run whole on the cluster (ClusterLedgerTests, ClusterSemanticCacheTests).
/// </summary>
public sealed class ClusterTests(RedisClusterFixture cluster)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OneSeedUrl_FindsAllThreePrimaries_AndTenantsSpreadOverThem()
    {
        await using var state = await RedisSharedState.ConnectAsync($"redis://127.0.0.1:{cluster.Ports[1]}");
        var now = DateTimeOffset.UtcNow;
        var slots = new HashSet<int>();
        var nodes = new HashSet<string>();
        for (var i = 0; i < 30; i++)
        {
            var tenant = $"spread-{i}-{Guid.NewGuid():N}";
            var outcome = await state.Ledger.ReserveAsync(new ReserveRequest(tenant, "r", new EnergyCarbon(2, 0.1), [new(BudgetWindow.Day, 10, null)], now), Token);
            await state.Ledger.SettleAsync(outcome.Reservation!, new EnergyCarbon(1.5, 0.05), Token);
            Assert.All(await state.Ledger.GetUsageAsync(tenant, now, Token), u => Assert.Equal(1.5, u.Consumed.Joules, 6));
            var key = $"gg:budget:{{{tenant}}}:done:r";
            slots.Add(state.Multiplexer.HashSlot((RedisKey)key));
            nodes.Add(state.Multiplexer.GetServer((RedisKey)key).EndPoint.ToString()!);
        }

        Assert.Equal(3, state.Multiplexer.GetServers().Count(s => !s.IsReplica));
        Assert.Equal(3, nodes.Count);
        Assert.True(slots.Count > 20);

        var cache = state.Cache;
        var partition = new CachePartition($"cl{Guid.NewGuid():N}", "m", "p", "c");
        await cache.StoreAsync(new CacheQuery(partition, "How do I reset my password?", 0), new CachedAnswer("m", "link", "stop", "{}", 1, 1, 1, 0), Token);
        Assert.Equal(CacheLookupKind.SemanticHit, (await cache.LookupAsync(new CacheQuery(partition, "How can I reset my password?", 0), Token)).Kind);
    }
}
