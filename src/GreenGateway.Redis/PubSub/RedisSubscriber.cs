using System.Collections.Concurrent;
using System.Text;
using GreenGateway.Redis.Connections;
using GreenGateway.Redis.Protocol;
using Microsoft.Extensions.Logging;

namespace GreenGateway.Redis.PubSub;

/// <summary>A message received on a subscribed channel.</summary>
/// <param name="Channel">The channel it was published to.</param>
/// <param name="Pattern">The pattern that matched, for PSUBSCRIBE; otherwise null.</param>
/// <param name="Payload">The message bytes.</param>
public readonly record struct RedisMessage(string Channel, string? Pattern, ReadOnlyMemory<byte> Payload);

/// <summary>
/// Pub/Sub on a connection of its own (a subscribed RESP2 connection accepts no other commands). Channels
/// and patterns are subscribed again after every reconnect; messages published while disconnected are
/// lost, as Pub/Sub delivers at most once. Handlers run on the connection's read loop: keep them short.
/// </summary>
public sealed partial class RedisSubscriber : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Action<RedisMessage>> _channels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Action<RedisMessage>> _patterns = new(StringComparer.Ordinal);
    private readonly ILogger? _logger;
    private RedisConnection? _connection;

    private RedisSubscriber(ILogger? logger) => _logger = logger;

    public bool IsConnected => _connection?.IsConnected ?? false;

    public static async Task<RedisSubscriber> ConnectAsync(RedisOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var subscriber = new RedisSubscriber(logger);
        var connection = new RedisConnection(options with { Database = 0 }, logger, subscriber.OnPush, subscriber.ResubscribeAsync);
        subscriber._connection = connection;
        await connection.ConnectFirstAsync(cancellationToken).ConfigureAwait(false);
        return subscriber;
    }

    /// <summary>Subscribes to <paramref name="channel"/>; returns once the server confirmed.</summary>
    public async Task SubscribeAsync(string channel, Action<RedisMessage> handler, CancellationToken cancellationToken = default)
    {
        _channels[channel] = handler;
        await Connection.ExecuteAsync("SUBSCRIBE", [channel], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Subscribes to a glob-style <paramref name="pattern"/> (PSUBSCRIBE).</summary>
    public async Task PatternSubscribeAsync(string pattern, Action<RedisMessage> handler, CancellationToken cancellationToken = default)
    {
        _patterns[pattern] = handler;
        await Connection.ExecuteAsync("PSUBSCRIBE", [pattern], cancellationToken).ConfigureAwait(false);
    }

    public async Task UnsubscribeAsync(string channel, CancellationToken cancellationToken = default)
    {
        _channels.TryRemove(channel, out _);
        await Connection.ExecuteAsync("UNSUBSCRIBE", [channel], cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _connection?.DisposeAsync() ?? ValueTask.CompletedTask;

    private RedisConnection Connection => _connection ?? throw new InvalidOperationException("not connected");

    private async Task ResubscribeAsync(RedisConnection connection, CancellationToken cancellationToken)
    {
        foreach (var channel in _channels.Keys)
        {
            await connection.ExecuteAsync("SUBSCRIBE", [channel], cancellationToken).ConfigureAwait(false);
        }

        foreach (var pattern in _patterns.Keys)
        {
            await connection.ExecuteAsync("PSUBSCRIBE", [pattern], cancellationToken).ConfigureAwait(false);
        }
    }

    private void OnPush(RespValue value)
    {
        // [message, channel, payload] or [pmessage, pattern, channel, payload] (redis.io/docs/latest/develop/interact/pubsub).
        var items = value.Items;
        var isPattern = items[0].Bytes.SequenceEqual("pmessage"u8);
        if (isPattern && items.Length < 4)
        {
            return;
        }

        var channel = Encoding.UTF8.GetString(items[isPattern ? 2 : 1].Bytes);
        var pattern = isPattern ? Encoding.UTF8.GetString(items[1].Bytes) : null;
        var payload = (items[isPattern ? 3 : 2].ByteArray ?? []).AsMemory();
        var handlers = isPattern ? _patterns : _channels;
        if (!handlers.TryGetValue(pattern ?? channel, out var handler))
        {
            return;
        }

        try
        {
            handler(new RedisMessage(channel, pattern, payload));
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, channel, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "Pub/Sub handler for {Channel} failed")]
        public static partial void HandlerFailed(ILogger logger, string channel, Exception exception);
    }
}
