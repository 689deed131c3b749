using GreenGateway.Redis.Connections;
using StackExchange.Redis;

namespace GreenGateway.Redis.Tests.Fixtures;

/// <summary>Which RESP server a fixture runs.</summary>
public enum ServerKind
{
    Redis,
    Garnet,
    Cluster,
}

/// <summary>A running RESP server (or cluster) the functional suites talk to.</summary>
public interface IRespServerFixture
{
    ServerKind Kind { get; }

    int Port { get; }

    /// <summary>What a gateway would be given as GG_REDIS_URL.</summary>
    string ConnectionString { get; }

    ConfigurationOptions Options => RedisConnectionString.Parse(ConnectionString);

    /// <summary>A multiplexer of its own, connected (the fixture's server is up).</summary>
    async Task<ConnectionMultiplexer> ConnectAsync(Action<ConfigurationOptions>? adjust = null)
    {
        var options = Options;
        adjust?.Invoke(options);
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(options);
        if (!multiplexer.IsConnected)
        {
            var status = multiplexer.GetStatus();
            await multiplexer.DisposeAsync();
            throw new InvalidOperationException($"could not connect to {ConnectionString}: {status}");
        }

        return multiplexer;
    }
}
