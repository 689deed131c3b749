using GreenGateway.Redis.Connections;

namespace GreenGateway.Redis.Tests.Fixtures;

/// <summary>Which RESP server a fixture runs.</summary>
public enum ServerKind
{
    Redis,
    Garnet,
}

/// <summary>A running RESP server the functional suite talks to.</summary>
public interface IRespServerFixture
{
    ServerKind Kind { get; }

    int Port { get; }

    string ConnectionString { get; }

    RedisOptions Options => RedisOptions.Parse(ConnectionString);
}
