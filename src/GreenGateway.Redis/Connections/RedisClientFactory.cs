using Microsoft.Extensions.Logging;

namespace GreenGateway.Redis.Connections;

/// <summary>Builds the right <see cref="IRedisClient"/> for a connection string: a cluster client, a pool, or one connection.</summary>
public static class RedisClientFactory
{
    /// <summary>
    /// Connects to <paramref name="connectionString"/> (<c>redis://</c> or <c>rediss://</c>, see <see cref="RedisOptions.Parse"/>).
    /// A server that reports <c>cluster_enabled:1</c> in INFO gets a <see cref="Cluster.RedisClusterClient"/>; otherwise
    /// a <see cref="RedisConnectionPool"/> when <c>pool</c> &gt; 1, else a <see cref="RedisConnection"/>.
    /// </summary>
    /// <exception cref="FormatException">The connection string is malformed.</exception>
    /// <exception cref="RedisConnectionException">The server cannot be reached or refused the handshake.</exception>
    public static Task<IRedisClient> ConnectAsync(string connectionString, ILogger? logger = null, CancellationToken cancellationToken = default, RedisMetrics? metrics = null) =>
        ConnectAsync(RedisOptions.Parse(connectionString) with { Metrics = metrics }, logger, cancellationToken);

    /// <summary>As <see cref="ConnectAsync(string, ILogger?, CancellationToken, RedisMetrics?)"/>, from options already parsed (and adjusted, for example ConnectTimeout from configuration).</summary>
    public static async Task<IRedisClient> ConnectAsync(RedisOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var probe = await RedisConnection.ConnectAsync(options, logger, cancellationToken).ConfigureAwait(false);
        bool isCluster;
        try
        {
            var info = (await probe.ExecuteAsync("INFO", ["cluster"], cancellationToken).ConfigureAwait(false)).AsString() ?? string.Empty;
            isCluster = info.Contains("cluster_enabled:1", StringComparison.Ordinal);
        }
        catch (RedisServerException)
        {
            isCluster = false;
        }

        if (isCluster)
        {
            await probe.DisposeAsync().ConfigureAwait(false);
            return await Cluster.RedisClusterClient.ConnectAsync(options, logger, cancellationToken).ConfigureAwait(false);
        }

        if (options.PoolSize > 1)
        {
            await probe.DisposeAsync().ConfigureAwait(false);
            return await RedisConnectionPool.ConnectAsync(options, logger, cancellationToken).ConfigureAwait(false);
        }

        return probe;
    }

    /// <summary>
    /// Returns at once with a single-endpoint client that connects (and reconnects) in the background, for a gateway
    /// that must start while Redis is away (the ledger then runs on its fail mode). Not for Redis Cluster.
    /// </summary>
    public static IRedisClient Start(string connectionString, ILogger? logger = null, RedisMetrics? metrics = null) =>
        RedisConnection.Start(RedisOptions.Parse(connectionString) with { Metrics = metrics }, logger);

    /// <summary>As <see cref="Start(string, ILogger?, RedisMetrics?)"/>, from options already parsed.</summary>
    public static IRedisClient Start(RedisOptions options, ILogger? logger = null) => RedisConnection.Start(options, logger);
}
