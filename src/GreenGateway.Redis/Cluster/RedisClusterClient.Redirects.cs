using System.Globalization;
using GreenGateway.Redis.Protocol;
using Microsoft.Extensions.Logging;

namespace GreenGateway.Redis.Cluster;

public sealed partial class RedisClusterClient
{
    private async ValueTask<RespValue> ExecuteWithRedirectsAsync(string endpoint, string command, RedisArg[] args, CancellationToken cancellationToken)
    {
        var asking = false;
        for (var redirects = 0; ; redirects++)
        {
            var node = await GetNodeAsync(endpoint, cancellationToken).ConfigureAwait(false);
            try
            {
                return asking
                    ? await node.ExecuteWithPrefixAsync("ASKING", command, args, cancellationToken).ConfigureAwait(false)
                    : await node.ExecuteAsync(command, args, cancellationToken).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (redirects < MaxRedirects && TryParseRedirect(ex.Message, out var moved, out var slot, out var target))
            {
                Log.Redirected(_logger, moved ? "MOVED" : "ASK", slot, target);
                endpoint = target;
                asking = !moved;
                if (moved)
                {
                    _map = _map.With(slot, target);
                    QueueRefresh();
                }
            }
            catch (RedisConnectionException)
            {
                // The node may have failed over: a fresh map names its replacement for the next call.
                QueueRefresh();
                throw;
            }
            catch (RedisServerException ex) when (redirects < MaxRedirects && ex.Prefix == "TRYAGAIN")
            {
                // A multi-key command during resharding: the spec says to retry after a short while.
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>"MOVED 3999 127.0.0.1:6381" or "ASK 3999 127.0.0.1:6381"; an empty host means the node that answered.</summary>
    private static bool TryParseRedirect(string message, out bool moved, out int slot, out string endpoint)
    {
        moved = message.StartsWith("MOVED ", StringComparison.Ordinal);
        slot = 0;
        endpoint = string.Empty;
        if (!moved && !message.StartsWith("ASK ", StringComparison.Ordinal))
        {
            return false;
        }

        var parts = message.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out slot) || parts[2].LastIndexOf(':') <= 0)
        {
            return false;
        }

        endpoint = parts[2];
        return true;
    }

    private void QueueRefresh()
    {
        if (Interlocked.Exchange(ref _refreshQueued, 1) != 0)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await RefreshAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (RedisException ex)
            {
                Log.RefreshFailed(_logger, ex.Message);
            }
            finally
            {
                Volatile.Write(ref _refreshQueued, 0);
            }
        });
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Cluster: {Kind} for slot {Slot} to {Target}")]
        public static partial void Redirected(ILogger logger, string kind, int slot, string target);

        [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "Cluster: slot map read from {Source}: {Primaries} primaries")]
        public static partial void MapRefreshed(ILogger logger, int primaries, string source);

        [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "Cluster: slot map refresh failed: {Reason}")]
        public static partial void RefreshFailed(ILogger logger, string reason);
    }
}
