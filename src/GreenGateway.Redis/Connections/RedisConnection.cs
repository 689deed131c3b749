using GreenGateway.Redis.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GreenGateway.Redis.Connections;

/// <summary>
/// One multiplexed, pipelined connection to one endpoint, shared by all callers. When the connection
/// drops it reconnects in the background with exponential backoff; meanwhile every command fails at
/// once with <see cref="RedisConnectionException"/> rather than waiting.
/// </summary>
public sealed partial class RedisConnection : IRedisClient
{
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Action<RespValue>? _onPush;
    private readonly Func<RedisConnection, CancellationToken, Task>? _onConnected;
    private volatile PhysicalConnection? _current;
    private volatile Exception? _lastError;
    private int _reconnecting;

    internal RedisConnection(RedisOptions options, ILogger? logger, Action<RespValue>? onPush = null, Func<RedisConnection, CancellationToken, Task>? onConnected = null)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        Options = options;
        _logger = logger ?? NullLogger.Instance;
        _onPush = onPush;
        _onConnected = onConnected;
    }

    public RedisOptions Options { get; }

    public bool IsConnected => _current is { IsFailed: false };

    /// <summary>Connects and completes the handshake; throws <see cref="RedisConnectionException"/> when that fails.</summary>
    public static async Task<RedisConnection> ConnectAsync(RedisOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var connection = new RedisConnection(options, logger);
        await connection.ConnectFirstAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    /// <summary>
    /// Returns at once and connects in the background (retrying with backoff), so that a process can start
    /// while Redis is away. Commands fail with <see cref="RedisConnectionException"/> until connected.
    /// </summary>
    public static RedisConnection Start(RedisOptions options, ILogger? logger = null)
    {
        var connection = new RedisConnection(options, logger);
        connection.StartReconnect();
        return connection;
    }

    public ValueTask<RespValue> ExecuteAsync(string command, ReadOnlySpan<RedisArg> args, CancellationToken cancellationToken = default)
    {
        var current = _current;
        if (current is null || current.IsFailed)
        {
            return ValueTask.FromException<RespValue>(NotConnected());
        }

        return current.SendAsync(command, args, cancellationToken);
    }

    /// <summary>Sends <paramref name="prefix"/> (ASKING) and the command back to back on this connection, so nothing comes between them.</summary>
    internal ValueTask<RespValue> ExecuteWithPrefixAsync(string prefix, string command, ReadOnlySpan<RedisArg> args, CancellationToken cancellationToken)
    {
        var current = _current;
        if (current is null || current.IsFailed)
        {
            return ValueTask.FromException<RespValue>(NotConnected());
        }

        return current.SendWithPrefixAsync(prefix, command, args, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        if (!_disposed.IsCancellationRequested)
        {
            _disposed.Cancel();
            _current?.Fail(new RedisConnectionException($"connection to {Options.EndPointText} disposed"));
            _current = null;
        }

        return ValueTask.CompletedTask;
    }

    internal async Task ConnectFirstAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _reconnecting, 1);
        try
        {
            var physical = await PhysicalConnection.ConnectAsync(Options, _onPush, OnFailed, cancellationToken).ConfigureAwait(false);
            await ActivateAsync(physical, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _lastError = ex;
            Volatile.Write(ref _reconnecting, 0);
            throw;
        }
    }

    private RedisConnectionException NotConnected()
    {
        if (_disposed.IsCancellationRequested)
        {
            return new RedisConnectionException($"connection to {Options.EndPointText} disposed");
        }

        var last = _lastError;
        return new RedisConnectionException(
            $"not connected to {Options.EndPointText}; reconnecting in the background" + (last is null ? string.Empty : $" (last error: {last.Message})"),
            last);
    }
}
