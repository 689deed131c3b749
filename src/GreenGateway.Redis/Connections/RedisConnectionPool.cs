using GreenGateway.Redis.Protocol;
using Microsoft.Extensions.Logging;

namespace GreenGateway.Redis.Connections;

/// <summary>
/// Several multiplexed connections to one endpoint, chosen round-robin (skipping any that is reconnecting).
/// One connection is enough for most loads; more help when one socket's read loop becomes the bottleneck.
/// </summary>
public sealed class RedisConnectionPool : IRedisClient
{
    private readonly RedisConnection[] _connections;
    private int _next;

    private RedisConnectionPool(RedisConnection[] connections) => _connections = connections;

    public bool IsConnected
    {
        get
        {
            foreach (var connection in _connections)
            {
                if (connection.IsConnected)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Opens <see cref="RedisOptions.PoolSize"/> connections; throws <see cref="RedisConnectionException"/> when any fails.</summary>
    public static async Task<RedisConnectionPool> ConnectAsync(RedisOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var connections = new RedisConnection[options.PoolSize];
        try
        {
            for (var i = 0; i < connections.Length; i++)
            {
                connections[i] = await RedisConnection.ConnectAsync(options, logger, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            foreach (var c in connections)
            {
                if (c is not null)
                {
                    await c.DisposeAsync().ConfigureAwait(false);
                }
            }

            throw;
        }

        return new RedisConnectionPool(connections);
    }

    public ValueTask<RespValue> ExecuteAsync(string command, ReadOnlySpan<RedisArg> args, CancellationToken cancellationToken = default)
    {
        var start = (int)((uint)Interlocked.Increment(ref _next) % (uint)_connections.Length);
        for (var i = 0; i < _connections.Length; i++)
        {
            var connection = _connections[(start + i) % _connections.Length];
            if (connection.IsConnected)
            {
                return connection.ExecuteAsync(command, args, cancellationToken);
            }
        }

        // None is up: let the first one raise its "not connected" error.
        return _connections[start].ExecuteAsync(command, args, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
