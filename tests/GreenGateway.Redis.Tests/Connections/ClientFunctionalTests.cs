using System.Text;
using GreenGateway.Redis.Connections;
using GreenGateway.Redis.Protocol;
using GreenGateway.Redis.PubSub;
using GreenGateway.Redis.Scripting;
using GreenGateway.Redis.Tests.Fixtures;

namespace GreenGateway.Redis.Tests.Connections;

/// <summary>The client's behaviour against a real server; run once per server kind by the subclasses below.</summary>
public abstract class ClientFunctionalTests(IRespServerFixture server) : IAsyncLifetime
{
    private readonly string _prefix = $"test:{Guid.NewGuid():N}:";
    private RedisConnection? _connection;

    protected IRespServerFixture Server { get; } = server;

    protected RedisConnection Connection => _connection!;

    public async ValueTask InitializeAsync() => _connection = await RedisConnection.ConnectAsync(Server.Options, cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await _connection!.DisposeAsync();

    protected string Key(string name) => _prefix + name;

    [Fact]
    public async Task SetThenGet_ReturnsTheSameBytes()
    {
        var value = new byte[] { 0, 1, 2, 13, 10, 255, 36, 42 };
        await Connection.ExecuteAsync("SET", [Key("bin"), value], TestContext.Current.CancellationToken);
        var reply = await Connection.ExecuteAsync("GET", [Key("bin")], TestContext.Current.CancellationToken);
        Assert.Equal(RespType.BulkString, reply.Type);
        Assert.Equal(value, reply.Bytes.ToArray());
    }

    [Fact]
    public async Task Get_OfMissingKey_IsNull()
    {
        var reply = await Connection.ExecuteAsync("GET", [Key("missing")], TestContext.Current.CancellationToken);
        Assert.True(reply.IsNull);
    }

    [Fact]
    public async Task ConcurrentCallers_EachGetTheirOwnReply()
    {
        const int callers = 2000;
        var writes = new Task[callers];
        for (var i = 0; i < callers; i++)
        {
            writes[i] = Connection.ExecuteAsync("SET", [Key($"k{i}"), $"value-{i}"], TestContext.Current.CancellationToken).AsTask();
        }

        await Task.WhenAll(writes);
        var reads = new Task<RespValue>[callers];
        for (var i = 0; i < callers; i++)
        {
            reads[i] = Connection.ExecuteAsync("GET", [Key($"k{i}")], TestContext.Current.CancellationToken).AsTask();
        }

        var values = await Task.WhenAll(reads);
        for (var i = 0; i < callers; i++)
        {
            Assert.Equal($"value-{i}", values[i].AsString());
        }
    }

    [Fact]
    public async Task ParallelIncrements_AreAllCounted()
    {
        var tasks = new Task[8];
        for (var t = 0; t < tasks.Length; t++)
        {
            tasks[t] = Task.Run(
                async () =>
                {
                    for (var i = 0; i < 250; i++)
                    {
                        await Connection.ExecuteAsync("INCR", [Key("counter")], TestContext.Current.CancellationToken);
                    }
                },
                TestContext.Current.CancellationToken);
        }

        await Task.WhenAll(tasks);
        var total = await Connection.ExecuteAsync("GET", [Key("counter")], TestContext.Current.CancellationToken);
        Assert.Equal(2000, total.AsInt64());
    }

    [Fact]
    public async Task ErrorReply_RaisesServerExceptionWithItsPrefix()
    {
        await Connection.ExecuteAsync("SET", [Key("str"), "x"], TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<RedisServerException>(async () => await Connection.ExecuteAsync("LPUSH", [Key("str"), "y"], TestContext.Current.CancellationToken));
        Assert.Equal("WRONGTYPE", error.Prefix);

        // The connection stays usable after an error reply.
        Assert.Equal("x", (await Connection.ExecuteAsync("GET", [Key("str")], TestContext.Current.CancellationToken)).AsString());
    }

    [Fact]
    public async Task ClientName_IsSetByTheHandshake()
    {
        var name = await Connection.ExecuteAsync("CLIENT", ["GETNAME"], TestContext.Current.CancellationToken);
        Assert.Equal("greengateway", name.AsString());
    }

    [Fact]
    public async Task Resp3_HashReplyIsAMap()
    {
        await using var resp3 = await RedisConnection.ConnectAsync(Server.Options with { Protocol = RespProtocol.Resp3, ClientName = "gg-resp3" }, cancellationToken: TestContext.Current.CancellationToken);
        await resp3.ExecuteAsync("HSET", [Key("h"), "a", "1", "b", "2"], TestContext.Current.CancellationToken);
        var map = await resp3.ExecuteAsync("HGETALL", [Key("h")], TestContext.Current.CancellationToken);
        Assert.Equal(RespType.Map, map.Type);
        Assert.Equal(4, map.Items.Length);
        Assert.Equal("gg-resp3", (await resp3.ExecuteAsync("CLIENT", ["GETNAME"], TestContext.Current.CancellationToken)).AsString());
    }

    [Fact]
    public async Task CancelledToken_CancelsTheCallAndLeavesTheConnectionUsable()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Connection.ExecuteAsync("PING", [], cts.Token));
        Assert.Equal("PONG", (await Connection.ExecuteAsync("PING", [], TestContext.Current.CancellationToken)).AsString());
    }

    [Fact]
    public async Task Script_RunsByShaAndReloadsAfterScriptFlush()
    {
        var script = new RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
        Assert.Equal(5, (await script.EvaluateAsync(Connection, [Key("s")], [5], TestContext.Current.CancellationToken)).AsInt64());
        await Connection.ExecuteAsync("SCRIPT", ["FLUSH"], TestContext.Current.CancellationToken);
        var exists = await Connection.ExecuteAsync("SCRIPT", ["EXISTS", script.Sha1], TestContext.Current.CancellationToken);
        Assert.Equal(0, exists.Items[0].AsInt64());
        Assert.Equal(12, (await script.EvaluateAsync(Connection, [Key("s")], [7], TestContext.Current.CancellationToken)).AsInt64());
        exists = await Connection.ExecuteAsync("SCRIPT", ["EXISTS", script.Sha1], TestContext.Current.CancellationToken);
        Assert.Equal(1, exists.Items[0].AsInt64());
    }

    [Fact]
    public async Task LargeValue_RoundTrips()
    {
        var value = Encoding.ASCII.GetBytes(new string('x', 3 * 1024 * 1024));
        await Connection.ExecuteAsync("SET", [Key("large"), value], TestContext.Current.CancellationToken);
        var reply = await Connection.ExecuteAsync("GET", [Key("large")], TestContext.Current.CancellationToken);
        Assert.Equal(value.Length, reply.Bytes.Length);
    }

    [Theory]
    [InlineData(RespProtocol.Resp2)]
    [InlineData(RespProtocol.Resp3)]
    public async Task PubSub_DeliversChannelAndPatternMessages(RespProtocol protocol)
    {
        var token = TestContext.Current.CancellationToken;
        await using var subscriber = await RedisSubscriber.ConnectAsync(Server.Options with { Protocol = protocol }, cancellationToken: token);
        var exact = new TaskCompletionSource<RedisMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pattern = new TaskCompletionSource<RedisMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        await subscriber.SubscribeAsync(Key("news"), m => exact.TrySetResult(m), token);
        await subscriber.PatternSubscribeAsync(Key("alerts.*"), m => pattern.TrySetResult(m), token);

        Assert.Equal(1, (await Connection.ExecuteAsync("PUBLISH", [Key("news"), "hello"], token)).AsInt64());
        await Connection.ExecuteAsync("PUBLISH", [Key("alerts.disk"), "full"], token);

        var message = await exact.Task.WaitAsync(TimeSpan.FromSeconds(30), token);
        Assert.Equal(Key("news"), message.Channel);
        Assert.Equal("hello", Encoding.UTF8.GetString(message.Payload.Span));
        var matched = await pattern.Task.WaitAsync(TimeSpan.FromSeconds(30), token);
        Assert.Equal(Key("alerts.disk"), matched.Channel);
        Assert.Equal(Key("alerts.*"), matched.Pattern);
    }

    [Fact]
    public async Task Pool_SpreadsCommandsOverItsConnections()
    {
        await using var pool = await RedisConnectionPool.ConnectAsync(Server.Options with { PoolSize = 3, ClientName = "gg-pool" }, cancellationToken: TestContext.Current.CancellationToken);
        var tasks = new Task<RespValue>[30];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = pool.ExecuteAsync("CLIENT", ["ID"], TestContext.Current.CancellationToken).AsTask();
        }

        var replies = await Task.WhenAll(tasks);
        var ids = new HashSet<long>();
        foreach (var reply in replies)
        {
            ids.Add(reply.AsInt64());
        }

        Assert.Equal(3, ids.Count);
    }
}

public sealed class RedisServerClientTests(RedisServerFixture server) : ClientFunctionalTests(server);

public sealed class GarnetClientTests(GarnetServerFixture server) : ClientFunctionalTests(server);
