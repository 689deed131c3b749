using GreenGateway.Core.Budgets;
using GreenGateway.Redis;
using GreenGateway.Redis.Budgets;
using GreenGateway.Redis.Connections;

namespace GreenGateway.Configuration;

/// <summary>Chooses where shared state lives: the embedded store, or Redis when a URL is configured.</summary>
internal static partial class SharedState
{
    public static void Add(IServiceCollection services, RedisSettings redis)
    {
        if (redis.ResolveUrl() is not { } url)
        {
            services.AddSingleton<IBudgetLedger, InMemoryBudgetLedger>();
            return;
        }

        services.AddSingleton(sp => Connect(url, redis, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IBudgetLedger>(sp => new RedisBudgetLedger(
            sp.GetRequiredService<IRedisClient>(),
            new RedisBudgetLedgerOptions
            {
                FailMode = redis.FailMode == "fail-closed" ? LedgerFailMode.FailClosed : LedgerFailMode.FailOpen,
                LocalSliceFraction = redis.LocalSliceFraction,
            },
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RedisBudgetLedger>>()));
    }

    /// <summary>
    /// Connects at start-up (a cluster is detected then). When Redis is away the gateway starts all the
    /// same on a client that keeps reconnecting, and the ledger runs on its fail mode meanwhile.
    /// </summary>
    private static IRedisClient Connect(string url, RedisSettings redis, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("GreenGateway.Redis");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(redis.ConnectTimeoutSeconds));
        try
        {
            return Task.Run(() => RedisClientFactory.ConnectAsync(url, logger, timeout.Token)).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is RedisConnectionException or OperationCanceledException)
        {
            Log.StartingDisconnected(logger, e.Message);
            return RedisClientFactory.Start(url, logger);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1501, Level = LogLevel.Warning, Message = "Redis is not reachable at start-up ({Reason}); starting anyway and reconnecting in the background")]
        public static partial void StartingDisconnected(ILogger logger, string reason);
    }
}
