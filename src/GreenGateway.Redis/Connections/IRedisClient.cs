using GreenGateway.Redis.Protocol;

namespace GreenGateway.Redis.Connections;

/// <summary>
/// Sends commands to a RESP server or cluster. Safe for any number of concurrent callers, whose commands
/// share connections and are pipelined. Implemented by <see cref="RedisConnection"/> (one endpoint),
/// <see cref="RedisConnectionPool"/> (several connections to one endpoint) and
/// <see cref="Cluster.RedisClusterClient"/> (slot-routed).
/// </summary>
public interface IRedisClient : IAsyncDisposable
{
    /// <summary>True while commands can be sent (for a cluster: while a slot map is known).</summary>
    bool IsConnected { get; }

    /// <summary>
    /// Sends <paramref name="command"/> with <paramref name="args"/> and returns the reply. For cluster routing
    /// the key is the first argument, except for EVAL/EVALSHA/FCALL (the first key after numkeys).
    /// </summary>
    /// <exception cref="RedisConnectionException">Not connected, connection lost, or timed out (see subclasses).</exception>
    /// <exception cref="RedisServerException">The server answered with an error.</exception>
    ValueTask<RespValue> ExecuteAsync(string command, ReadOnlySpan<RedisArg> args, CancellationToken cancellationToken = default);
}
