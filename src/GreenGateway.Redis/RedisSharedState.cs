using GreenGateway.Core.Cache;
using GreenGateway.Redis.Budgets;
using GreenGateway.Redis.Cache;
using GreenGateway.Redis.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

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
/// Everything the gateway keeps in Redis, from one connection string (GG_REDIS_URL, see <see cref="RedisConnectionString"/>):
/// the StackExchange.Redis multiplexer, the budget ledger and the semantic cache. When Redis is unreachable at start-up
/// and the ledger is fail-open, the gateway starts anyway on a multiplexer that keeps connecting in the background;
/// fail-closed refuses to start instead.
/// </summary>
public sealed partial class RedisSharedState : IAsyncDisposable
{
    private RedisSharedState(IConnectionMultiplexer multiplexer, RedisBudgetLedger ledger, RedisSemanticCache cache)
    {
        Multiplexer = multiplexer;
        Ledger = ledger;
        Cache = cache;
    }

    public IConnectionMultiplexer Multiplexer { get; }

    public RedisBudgetLedger Ledger { get; }

    public RedisSemanticCache Cache { get; }

    /// <exception cref="FormatException">The connection string is malformed.</exception>
    /// <exception cref="RedisConnectionException">Redis is unreachable and the ledger is fail-closed.</exception>
    public static Task<RedisSharedState> ConnectAsync(string connectionString, RedisSharedStateOptions? options = null, ILoggerFactory? loggers = null) =>
        ConnectAsync(RedisConnectionString.Parse(connectionString), options, loggers);

    /// <summary>As the connection-string overload, from options already parsed and adjusted (for example <c>ConnectTimeout</c> from configuration).</summary>
    public static async Task<RedisSharedState> ConnectAsync(ConfigurationOptions redisOptions, RedisSharedStateOptions? options = null, ILoggerFactory? loggers = null)
    {
        options ??= new RedisSharedStateOptions();
        loggers ??= NullLoggerFactory.Instance;
        var logger = loggers.CreateLogger<RedisSharedState>();
        var configuration = redisOptions.Clone();
        configuration.LoggerFactory ??= loggers;

        // With AbortOnConnectFail off (the gateway's default) this returns once the first attempt ends, connected or not,
        // and the multiplexer keeps reconnecting in the background.
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        if (!multiplexer.IsConnected)
        {
            if (options.Ledger.FailMode == LedgerFailMode.FailClosed)
            {
                var status = multiplexer.GetStatus();
                await multiplexer.DisposeAsync().ConfigureAwait(false);
                throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, $"Redis ({Endpoints(configuration)}) is unreachable and the ledger is fail-closed: {status}", null, CommandStatus.Unknown);
            }

            Log.StartingWithoutRedis(logger, Endpoints(configuration));
        }

        options.Metrics?.Observe(multiplexer);
        var time = options.Time ?? TimeProvider.System;
        var ledger = new RedisBudgetLedger(multiplexer, options.Ledger, time, loggers.CreateLogger<RedisBudgetLedger>(), options.Metrics);
        var cache = new RedisSemanticCache(
            multiplexer, options.Embedder ?? new HashedNGramEmbedder(), options.Cache, options.CacheStore, time, loggers.CreateLogger<RedisSemanticCache>(), options.Metrics);
        return new RedisSharedState(multiplexer, ledger, cache);
    }

    public async ValueTask DisposeAsync()
    {
        await Ledger.DisposeAsync().ConfigureAwait(false);
        await Multiplexer.DisposeAsync().ConfigureAwait(false);
    }

    private static string Endpoints(ConfigurationOptions options) => string.Join(", ", options.EndPoints.Select(e => e.ToString()));

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Redis ({Endpoints}) is unreachable at start-up; the ledger is fail-open, so the gateway starts and keeps connecting")]
        public static partial void StartingWithoutRedis(ILogger logger, string endpoints);
    }
}
