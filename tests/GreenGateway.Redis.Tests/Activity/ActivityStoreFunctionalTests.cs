using GreenGateway.Core.Activity;
using GreenGateway.Redis.Activity;
using GreenGateway.Redis.Tests.Fixtures;
using StackExchange.Redis;

namespace GreenGateway.Redis.Tests.Activity;

/// <summary>The dashboard's series and feedback in a real server (redis-server, garnet-server, a three-node cluster).</summary>
public abstract class ActivityStoreFunctionalTests(IRespServerFixture server) : IAsyncLifetime
{
    private readonly string _tenant = $"t{Guid.NewGuid():N}";
    private ConnectionMultiplexer? _connection;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _connection = await server.ConnectAsync();

    public async ValueTask DisposeAsync() => await _connection!.DisposeAsync();

    [Fact]
    public async Task Counts_FromTwoClients_AreSummedInOneBucket_AtEveryResolution()
    {
        var now = DateTimeOffset.UtcNow;
        var first = new RedisActivityStore(_connection!);
        await using var other = await server.ConnectAsync();
        var second = new RedisActivityStore(other);
        await first.AddAsync(now, [new(_tenant, "m", "upstream", ActivityMetrics.Joules, 1.25), new(_tenant, "m", "upstream", ActivityMetrics.Requests, 1)], Token);
        await second.AddAsync(now, [new(_tenant, "m", "upstream", ActivityMetrics.Joules, 2.5)], Token);

        foreach (var (window, resolution) in new[] { (ActivityWindow.Hour, ActivityResolution.Minute), (ActivityWindow.Day, ActivityResolution.Hour), (ActivityWindow.Month, ActivityResolution.Day) })
        {
            var (from, to) = ActivityBuckets.Range(window, now);
            var counts = (await first.ReadAsync(resolution, from, to, Token)).SelectMany(b => b.Counts).Where(c => c.Tenant == _tenant).ToList();
            Assert.Equal(3.75, counts.Where(c => c.Metric == ActivityMetrics.Joules).Sum(c => c.Value), 12);
            Assert.Equal(1, counts.Where(c => c.Metric == ActivityMetrics.Requests).Sum(c => c.Value));
        }

        // Each bucket expires with its resolution's retention.
        var key = RedisActivityStore.Key(ActivityResolution.Minute, ActivityBuckets.Start(ActivityResolution.Minute, now));
        var ttl = await _connection!.GetDatabase().KeyTimeToLiveAsync(key);
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(118), TimeSpan.FromHours(2));
    }

    [Fact]
    public async Task Answers_AreFoundByTheirTenantOnly_AndAVerdictReturnsTheOneItReplaces()
    {
        var store = new RedisFeedbackStore(_connection!);
        var answer = new AnsweredRequest("r1", _tenant, "m", "cache", DateTimeOffset.UtcNow, 0.01, 1e-6, 3.2, "observed", "modelled", 12, 5);
        await store.RememberAsync(answer, TimeSpan.FromHours(1), Token);
        await store.RememberAsync(answer with { Id = "r2" }, TimeSpan.FromHours(1), Token);

        Assert.Equal(answer, (await store.FindAsync(_tenant, "r1", Token))!.Answer);
        Assert.Null(await store.FindAsync(_tenant + "x", "r1", Token));
        Assert.Null(await store.JudgeAsync(_tenant, "r1", new Verdict(false, 0.25, DateTimeOffset.UtcNow), TimeSpan.FromHours(1), Token));
        var replaced = await store.JudgeAsync(_tenant, "r1", new Verdict(true, null, DateTimeOffset.UtcNow), TimeSpan.FromHours(1), Token);
        Assert.False(replaced!.Useful);
        Assert.Equal(0.25, replaced.Score);

        var recent = await store.RecentAsync(_tenant, 10, Token);
        Assert.Equal(["r2", "r1"], recent.Select(a => a.Answer.Id));
        Assert.True(recent[1].Verdict!.Useful);
        Assert.Null(recent[0].Verdict);
    }
}

public sealed class RedisActivityStoreTests(RedisServerFixture server) : ActivityStoreFunctionalTests(server);

public sealed class GarnetActivityStoreTests(GarnetServerFixture server) : ActivityStoreFunctionalTests(server);

public sealed class ClusterActivityStoreTests(RedisClusterFixture cluster) : ActivityStoreFunctionalTests(cluster);
