using System.Diagnostics;
using GreenGateway.Redis.Connections;
using GreenGateway.Redis.Tests.Fixtures;

namespace GreenGateway.Redis.Tests.Connections;

/// <summary>Authentication, database selection, timeouts and outages, each on a redis-server of its own.</summary>
public sealed class ConnectionLifecycleTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AclUser_AuthenticatesWithUserAndPassword_InBothProtocols()
    {
        await using var server = RedisServerFixture.WithArguments("--user", "default", "off", "--user", "alice", "on", ">s3cret", "~*", "+@all");
        await server.StartAsync();
        foreach (var protocol in new[] { RespProtocol.Resp2, RespProtocol.Resp3 })
        {
            var options = RedisOptions.Parse($"redis://alice:s3cret@127.0.0.1:{server.Port}") with { Protocol = protocol };
            await using var connection = await RedisConnection.ConnectAsync(options, cancellationToken: Token);
            Assert.Equal("alice", (await connection.ExecuteAsync("ACL", ["WHOAMI"], Token)).AsString());
        }

        var wrong = RedisOptions.Parse($"redis://alice:nope@127.0.0.1:{server.Port}");
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => RedisConnection.ConnectAsync(wrong, cancellationToken: Token));
        Assert.Contains("WRONGPASS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DatabaseInUri_IsSelected()
    {
        await using var server = new RedisServerFixture();
        await server.StartAsync();
        await using var db3 = await RedisConnection.ConnectAsync(RedisOptions.Parse($"redis://127.0.0.1:{server.Port}/3"), cancellationToken: Token);
        await using var db0 = await RedisConnection.ConnectAsync(RedisOptions.Parse($"redis://127.0.0.1:{server.Port}"), cancellationToken: Token);
        await db3.ExecuteAsync("SET", ["where", "three"], Token);
        Assert.True((await db0.ExecuteAsync("GET", ["where"], Token)).IsNull);
        Assert.Equal("three", (await db3.ExecuteAsync("GET", ["where"], Token)).AsString());
    }

    [Fact]
    public async Task SlowReply_TimesOut_ThenTheConnectionRecovers()
    {
        await using var server = new RedisServerFixture();
        await server.StartAsync();
        var options = RedisOptions.Parse(server.ConnectionString) with { CommandTimeout = TimeSpan.FromMilliseconds(300) };
        await using var connection = await RedisConnection.ConnectAsync(options, cancellationToken: Token);
        await Assert.ThrowsAsync<RedisTimeoutException>(async () => await connection.ExecuteAsync("DEBUG", ["SLEEP", 2], Token));
        await WaitUntilAsync(() => connection.IsConnected);
        Assert.Equal("PONG", (await connection.ExecuteAsync("PING", [], Token)).AsString());
    }

    [Fact]
    public async Task CancelledWhileInFlight_ThrowsAtOnce_AndLaterRepliesStillMatchTheirCommands()
    {
        await using var server = new RedisServerFixture();
        await server.StartAsync();
        await using var connection = await RedisConnection.ConnectAsync(RedisOptions.Parse(server.ConnectionString), cancellationToken: Token);
        await connection.ExecuteAsync("SET", ["a", "1"], Token);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var slow = connection.ExecuteAsync("DEBUG", ["SLEEP", 3], cancel.Token).AsTask();
        var next = connection.ExecuteAsync("GET", ["a"], Token).AsTask();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);
        Assert.False(next.IsCompleted);
        Assert.Equal("1", (await next).AsString());
    }

    [Fact]
    public async Task Subscriber_ResubscribesAfterTheServerRestarts()
    {
        await using var server = new RedisServerFixture();
        await server.StartAsync();
        var options = RedisOptions.Parse(server.ConnectionString) with { ReconnectMaxDelay = TimeSpan.FromMilliseconds(300) };
        await using var subscriber = await GreenGateway.Redis.PubSub.RedisSubscriber.ConnectAsync(options, cancellationToken: Token);
        var received = 0;
        await subscriber.SubscribeAsync("events", _ => Interlocked.Increment(ref received), Token);
        await server.StopAsync();
        await WaitUntilAsync(() => !subscriber.IsConnected);
        await server.StartAsync();
        await WaitUntilAsync(() => subscriber.IsConnected);
        await using var publisher = await RedisConnection.ConnectAsync(options, cancellationToken: Token);

        // The subscription is restored just after the connection is: publish until it is heard.
        await WaitUntilAsync(async () =>
        {
            await publisher.ExecuteAsync("PUBLISH", ["events", "x"], Token);
            await Task.Delay(100, Token);
            return Volatile.Read(ref received) > 0;
        });
    }

    [Fact]
    public async Task WhileServerIsDown_CommandsFailFast_AndWorkAgainAfterRestart()
    {
        await using var server = new RedisServerFixture();
        await server.StartAsync();
        await using var connection = await RedisConnection.ConnectAsync(RedisOptions.Parse(server.ConnectionString), cancellationToken: Token);
        await connection.ExecuteAsync("SET", ["kept", "yes"], Token);
        await server.StopAsync();
        await WaitUntilAsync(() => !connection.IsConnected);

        for (var i = 0; i < 20; i++)
        {
            // A hang here would stall the whole test; WaitAsync turns it into a failure instead.
            var call = connection.ExecuteAsync("GET", ["kept"], Token).AsTask();
            var error = await Assert.ThrowsAsync<RedisConnectionException>(() => call.WaitAsync(TimeSpan.FromSeconds(30), Token));
            Assert.Contains("not connected", error.Message, StringComparison.Ordinal);
        }

        await server.StartAsync();
        await WaitUntilAsync(() => connection.IsConnected);
        Assert.Equal("yes", (await connection.ExecuteAsync("GET", ["kept"], Token)).AsString());
    }

    [Fact]
    public async Task ConnectToClosedPort_FailsWithConnectionException()
    {
        var port = ServerProcess.FreePort();
        await Assert.ThrowsAsync<RedisConnectionException>(() => RedisConnection.ConnectAsync(RedisOptions.Parse($"redis://127.0.0.1:{port}"), cancellationToken: Token));
    }

    [Fact]
    public async Task StartedWhileServerIsDown_ConnectsWhenItAppears()
    {
        await using var server = new RedisServerFixture();
        await using var connection = RedisConnection.Start(RedisOptions.Parse(server.ConnectionString) with { ReconnectMaxDelay = TimeSpan.FromMilliseconds(500) });
        await Assert.ThrowsAsync<RedisConnectionException>(async () => await connection.ExecuteAsync("PING", [], Token));
        await server.StartAsync();
        await WaitUntilAsync(() => connection.IsConnected);
        Assert.Equal("PONG", (await connection.ExecuteAsync("PING", [], Token)).AsString());
    }

    internal static Task WaitUntilAsync(Func<bool> condition, int seconds = 60) =>
        WaitUntilAsync(() => Task.FromResult(condition()), seconds);

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, int seconds = 60)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                Assert.Fail($"condition not met within {seconds} s");
            }

            await Task.Delay(50, Token);
        }
    }
}
