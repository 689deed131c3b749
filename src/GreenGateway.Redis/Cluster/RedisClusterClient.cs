using System.Collections.Concurrent;
using System.Globalization;
using GreenGateway.Redis.Connections;
using GreenGateway.Redis.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GreenGateway.Redis.Cluster;

/// <summary>
/// A Redis Cluster client: one multiplexed <see cref="RedisConnection"/> per primary, commands routed by the hash slot
/// of their key. MOVED updates the slot at once and refreshes the whole map in the background; ASK sends ASKING and
/// the command back to back to the importing node without changing the map (cluster spec, "Redirection and resharding").
/// </summary>
public sealed partial class RedisClusterClient : IRedisClient
{
    private const int MaxRedirects = 5;

    private readonly RedisOptions _seed;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Task<RedisConnection>> _nodes = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private volatile SlotMap _map = new();
    private int _refreshQueued;
    private int _next;

    private RedisClusterClient(RedisOptions seed, ILogger? logger)
    {
        _seed = seed with { Database = 0 };
        _logger = logger ?? NullLogger.Instance;
    }

    public bool IsConnected => _map.IsComplete;

    /// <summary>The primaries the slot map names, as "host:port".</summary>
    public IReadOnlyCollection<string> Primaries => _map.Primaries;

    /// <summary>Connects to the seed node, reads the slot map and connects to every primary.</summary>
    public static async Task<RedisClusterClient> ConnectAsync(RedisOptions seed, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var client = new RedisClusterClient(seed, logger);
        var first = await RedisConnection.ConnectAsync(client._seed, logger, cancellationToken).ConfigureAwait(false);
        client._nodes[seed.EndPointText] = Task.FromResult(first);
        await client.RefreshAsync(cancellationToken).ConfigureAwait(false);
        return client;
    }

    /// <summary>The endpoint that owns <paramref name="key"/>'s slot in the current map.</summary>
    public string? EndpointFor(string key) => _map.OwnerOf(HashSlot.Of(key));

    public ValueTask<RespValue> ExecuteAsync(string command, ReadOnlySpan<RedisArg> args, CancellationToken cancellationToken = default)
    {
        var slot = CommandRouting.SlotOf(command, args);
        var endpoint = slot == CommandRouting.AnyNode ? AnyPrimary() : _map.OwnerOf(slot);
        if (endpoint is null)
        {
            return ValueTask.FromException<RespValue>(new RedisConnectionException($"no node serves slot {slot}; the cluster map is incomplete"));
        }

        // Redirections need the arguments after an await, so they are copied; the common path pays one array.
        return ExecuteWithRedirectsAsync(endpoint, command, args.ToArray(), cancellationToken);
    }

    /// <summary>Reads the slot map again (CLUSTER SHARDS, else CLUSTER SLOTS) from any reachable node.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Exception? last = null;
            foreach (var (endpoint, node) in _nodes)
            {
                try
                {
                    var connection = await node.ConfigureAwait(false);
                    var map = await ReadMapAsync(connection, cancellationToken).ConfigureAwait(false);
                    foreach (var primary in map.Primaries)
                    {
                        await GetNodeAsync(primary, cancellationToken).ConfigureAwait(false);
                    }

                    _map = map;
                    Log.MapRefreshed(_logger, map.Primaries.Count, endpoint);
                    return;
                }
                catch (RedisException ex)
                {
                    last = ex;
                }
            }

            throw new RedisConnectionException("no cluster node answered CLUSTER SHARDS or CLUSTER SLOTS", last);
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.Values)
        {
            if (node.IsCompletedSuccessfully)
            {
                await node.Result.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async ValueTask<SlotMap> ReadMapAsync(RedisConnection connection, CancellationToken cancellationToken)
    {
        SlotMap map;
        try
        {
            map = SlotMap.FromShards(await connection.ExecuteAsync("CLUSTER", ["SHARDS"], cancellationToken).ConfigureAwait(false), connection.Options.Host);
        }
        catch (RedisServerException)
        {
            map = SlotMap.FromSlots(await connection.ExecuteAsync("CLUSTER", ["SLOTS"], cancellationToken).ConfigureAwait(false), connection.Options.Host);
        }

        return map.IsComplete ? map : throw new RedisConnectionException($"{connection.Options.EndPointText} reports slots without an owner");
    }

    private string? AnyPrimary()
    {
        var primaries = _map.Primaries;
        if (primaries.Count == 0)
        {
            return null;
        }

        var pick = (int)((uint)Interlocked.Increment(ref _next) % (uint)primaries.Count);
        foreach (var endpoint in primaries)
        {
            if (pick-- == 0)
            {
                return endpoint;
            }
        }

        return null;
    }

    private Task<RedisConnection> GetNodeAsync(string endpoint, CancellationToken cancellationToken)
    {
        return _nodes.GetOrAdd(endpoint, static (e, state) => state.Client.OpenAsync(e, state.Token), (Client: this, Token: cancellationToken));
    }

    private async Task<RedisConnection> OpenAsync(string endpoint, CancellationToken cancellationToken)
    {
        var colon = endpoint.LastIndexOf(':');
        var options = _seed with { Host = endpoint[..colon], Port = int.Parse(endpoint[(colon + 1)..], CultureInfo.InvariantCulture) };
        try
        {
            return await RedisConnection.ConnectAsync(options, _logger, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisConnectionException)
        {
            // Keep trying in the background rather than caching a failure: the node may be restarting.
            return RedisConnection.Start(options, _logger);
        }
    }
}
