using GreenGateway.Core.Cache;
using GreenGateway.Redis.Budgets;
using GreenGateway.Redis.Cache;
using GreenGateway.Redis.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GreenGateway.Redis;

/// <summary>Options of <see cref="RedisSharedState"/>: the ledger's and the cache's, and the embedder to use.</summary>
public sealed record RedisSharedStateOptions
{
    /// <summary>Ledger options. Default <c>new RedisBudgetLedgerOptions()</c> (fail-open, 10 % slice).</summary>
    public RedisBudgetLedgerOptions Ledger { get; init; } = new();

    /// <summary>Cache policy. Default <c>new SemanticCacheOptions()</c>.</summary>
    public SemanticCacheOptions Cache { get; init; } = new();

    /// <summary>Cache storage options. Default <c>new RedisSemanticCacheOptions()</c>.</summary>
    public RedisSemanticCacheOptions CacheStore { get; init; } = new();

    /// <summary>The embedder; null for the built-in <see cref="HashedNGramEmbedder"/>. Default null.</summary>
    public IEmbedder? Embedder { get; init; }

    /// <summary>Instruments (<c>new RedisMetrics(meterFactory)</c>); null for none. Default null.</summary>
    public RedisMetrics? Metrics { get; init; }

    /// <summary>The clock of budget windows and cache expiry. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider? Time { get; init; }
}

/// <summary>
/// Everything the gateway keeps in Redis, from one connection string (GG_REDIS_URL): the client, the budget ledger
/// and the semantic cache. When Redis is unreachable at start-up and the ledger is fail-open, the gateway starts
/// anyway on a client that keeps connecting in the background; fail-closed refuses to start instead.
/// </summary>
public sealed class RedisSharedState : IAsyncDisposable
{
    private RedisSharedState(IRedisClient client, RedisBudgetLedger ledger, RedisSemanticCache cache)
    {
        Client = client;
        Ledger = ledger;
        Cache = cache;
    }

    public IRedisClient Client { get; }

    public RedisBudgetLedger Ledger { get; }

    public RedisSemanticCache Cache { get; }

    /// <exception cref="FormatException">The connection string is malformed.</exception>
    /// <exception cref="RedisConnectionException">Redis is unreachable and the ledger is fail-closed.</exception>
    public static Task<RedisSharedState> ConnectAsync(string connectionString, RedisSharedStateOptions? options = null, ILoggerFactory? loggers = null, CancellationToken cancellationToken = default) =>
        ConnectAsync(RedisOptions.Parse(connectionString), options, loggers, cancellationToken);

    /// <summary>As the connection-string overload, from options already parsed and adjusted (for example <c>ConnectTimeout</c> from configuration).</summary>
    public static async Task<RedisSharedState> ConnectAsync(RedisOptions redisOptions, RedisSharedStateOptions? options = null, ILoggerFactory? loggers = null, CancellationToken cancellationToken = default)
    {
        options ??= new RedisSharedStateOptions();
        redisOptions = redisOptions with { Metrics = options.Metrics ?? redisOptions.Metrics };
        loggers ??= NullLoggerFactory.Instance;
        var logger = loggers.CreateLogger<RedisSharedState>();
        IRedisClient client;
        try
        {
            client = await RedisClientFactory.ConnectAsync(redisOptions, logger, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisConnectionException) when (options.Ledger.FailMode == LedgerFailMode.FailOpen)
        {
            client = RedisClientFactory.Start(redisOptions, logger);
        }

        var time = options.Time ?? TimeProvider.System;
        var ledger = new RedisBudgetLedger(client, options.Ledger, time, loggers.CreateLogger<RedisBudgetLedger>(), options.Metrics);
        var cache = new RedisSemanticCache(
            client, options.Embedder ?? new HashedNGramEmbedder(), options.Cache, options.CacheStore, time, loggers.CreateLogger<RedisSemanticCache>(), options.Metrics);
        return new RedisSharedState(client, ledger, cache);
    }

    public async ValueTask DisposeAsync()
    {
        await Ledger.DisposeAsync().ConfigureAwait(false);
        await Client.DisposeAsync().ConfigureAwait(false);
    }
}
