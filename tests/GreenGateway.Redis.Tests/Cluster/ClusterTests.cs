using GreenGateway.Core.Budgets;
using GreenGateway.Core.Cache;
using GreenGateway.Redis.Budgets;
using GreenGateway.Redis.Cache;
using GreenGateway.Redis.Cluster;
using GreenGateway.Redis.Connections;
using GreenGateway.Redis.Scripting;
using GreenGateway.Redis.Tests.Fixtures;

namespace GreenGateway.Redis.Tests.Cluster;

/// <summary>The cluster client on a real three-primary Redis Cluster, including live slot migrations.</summary>
public sealed class ClusterTests(RedisClusterFixture cluster) : IClassFixture<RedisClusterFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Factory_DetectsTheCluster_AndMapsAllSlotsToThreePrimaries()
    {
        await using var client = await RedisClientFactory.ConnectAsync(cluster.ConnectionString, cancellationToken: Token);
        var clusterClient = Assert.IsType<RedisClusterClient>(client);
        Assert.True(clusterClient.IsConnected);
        Assert.Equal(3, clusterClient.Primaries.Count);
    }

    [Fact]
    public async Task KeySlots_AgreeWithTheServer()
    {
        await using var node = await RedisConnection.ConnectAsync(RedisOptions.Parse(cluster.ConnectionString), cancellationToken: Token);
        var random = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            var key = $"k{random.Next()}:{(i % 3 == 0 ? "{tag" + i + "}" : string.Empty)}é{i}";
            Assert.Equal((await node.ExecuteAsync("CLUSTER", ["KEYSLOT", key], Token)).AsInt64(), HashSlot.Of(key));
        }
    }

    [Fact]
    public async Task Keys_AreSpreadOverAllPrimaries_AndReadBack()
    {
        await using var client = await RedisClusterClient.ConnectAsync(RedisOptions.Parse(cluster.ConnectionString), cancellationToken: Token);
        var prefix = Guid.NewGuid().ToString("N");
        var writes = new Task[300];
        for (var i = 0; i < writes.Length; i++)
        {
            writes[i] = client.ExecuteAsync("SET", [$"{prefix}:{i}", i], Token).AsTask();
        }

        await Task.WhenAll(writes);
        for (var i = 0; i < writes.Length; i++)
        {
            Assert.Equal(i, (await client.ExecuteAsync("GET", [$"{prefix}:{i}"], Token)).AsInt64());
        }

        foreach (var port in cluster.Ports)
        {
            await using var node = await RedisConnection.ConnectAsync(RedisOptions.Parse($"redis://127.0.0.1:{port}"), cancellationToken: Token);
            Assert.True((await node.ExecuteAsync("DBSIZE", [], Token)).AsInt64() > 0, $"node {port} holds no key");
        }
    }

    [Fact]
    public async Task Script_OverHashTaggedKeys_RunsOnTheirNode()
    {
        await using var client = await RedisClusterClient.ConnectAsync(RedisOptions.Parse(cluster.ConnectionString), cancellationToken: Token);
        var script = new RedisScript("redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[1]); return redis.call('MGET', KEYS[1], KEYS[2])");
        var reply = await script.EvaluateAsync(client, ["{acct42}:a", "{acct42}:b"], ["v"], Token);
        Assert.Equal(2, reply.Items.Length);
        Assert.Equal("v", reply.Items[1].AsString());
    }

    [Fact]
    public async Task SlotMovedAfterTheMapWasRead_IsFollowedThroughMoved_AndTheMapUpdated()
    {
        await using var client = await RedisClusterClient.ConnectAsync(RedisOptions.Parse(cluster.ConnectionString), cancellationToken: Token);
        var key = $"moved:{Guid.NewGuid():N}";
        await client.ExecuteAsync("SET", [key, "before"], Token);
        var source = client.EndpointFor(key)!;
        var target = OtherThan(source);

        await using var migration = await SlotMigration.StartAsync(cluster, HashSlot.Of(key), source, target);
        await migration.MoveKeyAsync(key);
        await migration.FinishAsync();

        // The client still believes the source owns the slot: it must follow MOVED and remember the new owner.
        Assert.Equal("before", (await client.ExecuteAsync("GET", [key], Token)).AsString());
        Assert.Equal(target, client.EndpointFor(key));
    }

    [Fact]
    public async Task KeyMigratedMidSlotMigration_IsReadThroughAsk_WithoutChangingTheMap()
    {
        await using var client = await RedisClusterClient.ConnectAsync(RedisOptions.Parse(cluster.ConnectionString), cancellationToken: Token);
        var key = $"ask:{Guid.NewGuid():N}";
        await client.ExecuteAsync("SET", [key, "migrating"], Token);
        var source = client.EndpointFor(key)!;
        var target = OtherThan(source);

        await using var migration = await SlotMigration.StartAsync(cluster, HashSlot.Of(key), source, target);
        await migration.MoveKeyAsync(key);
        Assert.Equal("migrating", (await client.ExecuteAsync("GET", [key], Token)).AsString());
        Assert.Equal(source, client.EndpointFor(key));
        await migration.FinishAsync();
    }

    [Fact]
    public async Task Ledger_And_Cache_RunOnTheCluster()
    {
        await using var client = await RedisClusterClient.ConnectAsync(RedisOptions.Parse(cluster.ConnectionString), cancellationToken: Token);
        await using var ledger = new RedisBudgetLedger(client, new RedisBudgetLedgerOptions { FailMode = LedgerFailMode.FailClosed });
        var now = DateTimeOffset.UtcNow;
        var tenant = $"cl{Guid.NewGuid():N}";
        var outcome = await ledger.ReserveAsync(new ReserveRequest(tenant, "r", new EnergyCarbon(2, 0.1), [new(BudgetWindow.Day, 10, null)], now), Token);
        await ledger.SettleAsync(outcome.Reservation!, new EnergyCarbon(1.5, 0.05), Token);
        var usage = await ledger.GetUsageAsync(tenant, now, Token);
        Assert.All(usage, u => Assert.Equal(1.5, u.Consumed.Joules, 6));

        var cache = new RedisSemanticCache(client, new HashedNGramEmbedder(), new SemanticCacheOptions { SimilarityThreshold = 0.8 });
        var partition = new CachePartition(tenant, "m", "p", "c");
        await cache.StoreAsync(new CacheQuery(partition, "How do I reset my password?", 0), new CachedAnswer("m", "link", "stop", "{}", 1, 1, 1, 0), Token);
        Assert.Equal(CacheLookupKind.SemanticHit, (await cache.LookupAsync(new CacheQuery(partition, "How can I reset my password?", 0), Token)).Kind);
    }

    private string OtherThan(string endpoint)
    {
        foreach (var port in cluster.Ports)
        {
            if (!endpoint.EndsWith($":{port}", StringComparison.Ordinal))
            {
                return $"127.0.0.1:{port}";
            }
        }

        throw new InvalidOperationException("a cluster of one node");
    }

    /// <summary>The manual slot migration of the cluster specification ("Live resharding"): IMPORTING, MIGRATING, MIGRATE, SETSLOT NODE.</summary>
    private sealed class SlotMigration : IAsyncDisposable
    {
        private readonly RedisClusterFixture _cluster;
        private readonly int _slot;
        private readonly RedisConnection _source;
        private readonly RedisConnection _target;
        private readonly string _targetId;
        private readonly string _targetEndpoint;

        private SlotMigration(RedisClusterFixture cluster, int slot, RedisConnection source, RedisConnection target, string targetId, string targetEndpoint)
        {
            (_cluster, _slot, _source, _target, _targetId, _targetEndpoint) = (cluster, slot, source, target, targetId, targetEndpoint);
        }

        public static async Task<SlotMigration> StartAsync(RedisClusterFixture cluster, int slot, string source, string target)
        {
            var from = await RedisConnection.ConnectAsync(RedisOptions.Parse($"redis://{source}"));
            var to = await RedisConnection.ConnectAsync(RedisOptions.Parse($"redis://{target}"));
            var sourceId = (await from.ExecuteAsync("CLUSTER", ["MYID"])).AsString()!;
            var targetId = (await to.ExecuteAsync("CLUSTER", ["MYID"])).AsString()!;
            await to.ExecuteAsync("CLUSTER", ["SETSLOT", slot, "IMPORTING", sourceId]);
            await from.ExecuteAsync("CLUSTER", ["SETSLOT", slot, "MIGRATING", targetId]);
            return new SlotMigration(cluster, slot, from, to, targetId, target);
        }

        public async Task MoveKeyAsync(string key)
        {
            var colon = _targetEndpoint.LastIndexOf(':');
            await _source.ExecuteAsync("MIGRATE", [_targetEndpoint[..colon], _targetEndpoint[(colon + 1)..], key, 0, 5000]);
        }

        public async Task FinishAsync()
        {
            foreach (var port in _cluster.Ports)
            {
                await using var node = await RedisConnection.ConnectAsync(RedisOptions.Parse($"redis://127.0.0.1:{port}"));
                await node.ExecuteAsync("CLUSTER", ["SETSLOT", _slot, "NODE", _targetId]);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _source.DisposeAsync();
            await _target.DisposeAsync();
        }
    }
}
