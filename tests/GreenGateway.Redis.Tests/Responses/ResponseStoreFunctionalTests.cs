using GreenGateway.Core.Responses;
using GreenGateway.Redis.Responses;
using GreenGateway.Redis.Tests.Fixtures;
using StackExchange.Redis;

namespace GreenGateway.Redis.Tests.Responses;

/// <summary>Stored responses in a real server (redis-server, garnet-server, a three-node cluster): one key per tenant and id, with the server's own expiry.</summary>
public abstract class ResponseStoreFunctionalTests(IRespServerFixture server) : IAsyncLifetime
{
    private readonly string _tenant = $"t{Guid.NewGuid():N}";
    private ConnectionMultiplexer? _connection;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _connection = await server.ConnectAsync();

    public async ValueTask DisposeAsync() => await _connection!.DisposeAsync();

    private RedisResponseStore Store(TimeSpan? ttl = null) => new(_connection!, new ResponseStoreOptions { Ttl = ttl ?? TimeSpan.FromDays(30) });

    private StoredResponse Response(string id, string? tenant = null) =>
        new(id, tenant ?? _tenant, $$"""{"id":"{{id}}","object":"response","output":[]}""", """[{"type":"message","role":"user","content":"é 漢字 🚀"}]""");

    [Fact]
    public async Task StoredResponse_IsReadBack_AsItWasStored()
    {
        var store = Store();
        await store.SaveAsync(Response("resp_1"), Token);

        Assert.Equal(Response("resp_1"), await store.GetAsync(_tenant, "resp_1", Token));
        Assert.Null(await store.GetAsync(_tenant, "resp_2", Token));
    }

    [Fact]
    public async Task AnotherTenant_NeitherReadsNorDeletesIt_EvenWithAnIdThatLooksLikeAKey()
    {
        var store = Store();
        await store.SaveAsync(Response("resp_1"), Token);
        await store.SaveAsync(Response("x:resp_1", "a"), Token);

        Assert.Null(await store.GetAsync(_tenant + "x", "resp_1", Token));
        Assert.Null(await store.GetAsync("a:x", "resp_1", Token));
        Assert.False(await store.DeleteAsync("other", "resp_1", Token));
        Assert.NotNull(await store.GetAsync(_tenant, "resp_1", Token));
        Assert.True(await store.DeleteAsync(_tenant, "resp_1", Token));
        Assert.Null(await store.GetAsync(_tenant, "resp_1", Token));
    }

    [Fact]
    public async Task StoredResponse_ExpiresWithTheServersTtl()
    {
        var store = Store(TimeSpan.FromMilliseconds(300));
        await store.SaveAsync(Response("resp_1"), Token);
        Assert.NotNull(await store.GetAsync(_tenant, "resp_1", Token));

        StoredResponse? left = null;
        for (var i = 0; i < 50; i++)
        {
            await Task.Delay(100, Token);
            left = await store.GetAsync(_tenant, "resp_1", Token);
            if (left is null)
            {
                break;
            }
        }

        Assert.Null(left);
    }
}

public sealed class RedisResponseStoreTests(RedisServerFixture server) : ResponseStoreFunctionalTests(server);

public sealed class GarnetResponseStoreTests(GarnetServerFixture server) : ResponseStoreFunctionalTests(server);

public sealed class ClusterResponseStoreTests(RedisClusterFixture cluster) : ResponseStoreFunctionalTests(cluster);
