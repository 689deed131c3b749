using GreenGateway.Cache;
using GreenGateway.Core.Activity;
using GreenGateway.Core.Budgets;
using GreenGateway.Core.Cache;
using GreenGateway.Core.Responses;
using GreenGateway.Redis;
using GreenGateway.Redis.Activity;
using GreenGateway.Redis.Budgets;
using GreenGateway.Redis.Connections;
using GreenGateway.Redis.Responses;

namespace GreenGateway.Configuration;

/// <summary>
/// Where shared state lives: budgets, the semantic cache, stored responses, activity series and feedback in process, or in Redis (one
/// <see cref="RedisSharedState"/> from <c>GG_REDIS_URL</c> / <c>Redis.Url</c>) so that replicas share them.
/// </summary>
internal static partial class SharedState
{
    public static void Add(IServiceCollection services, GatewayConfig config)
    {
        services.AddSingleton(sp => CreateEmbedder(sp, config));
        services.AddSingleton(config.Cache);
        if (config.Redis.ResolveUrl() is not { } url)
        {
            services.AddSingleton<IBudgetLedger, InMemoryBudgetLedger>();
            services.AddSingleton<GreenGateway.Core.Energy.IEnergyObservations>(new GreenGateway.Core.Energy.InMemoryEnergyObservations());
            services.AddSingleton<IResponseStore>(sp => new InMemoryResponseStore(config.Responses.ToOptions(), sp.GetRequiredService<TimeProvider>()));
            services.AddSingleton<IActivityStore>(sp => new InMemoryActivityStore(sp.GetRequiredService<TimeProvider>()));
            services.AddSingleton<IFeedbackStore>(sp => new InMemoryFeedbackStore(sp.GetRequiredService<TimeProvider>(), config.Dashboard.MaxAnswersInMemory));
            services.AddSingleton<GreenGateway.Core.Batches.IBatchStore>(sp => new GreenGateway.Core.Batches.DiskBatchStore(
                Path.GetFullPath(config.Batches.Directory, sp.GetRequiredService<IHostEnvironment>().ContentRootPath), sp.GetRequiredService<TimeProvider>()));
            services.AddSingleton<ISemanticCache>(sp =>
                new InMemorySemanticCache(sp.GetRequiredService<IEmbedder>(), config.Cache.ToOptions(), sp.GetRequiredService<TimeProvider>()));
            return;
        }

        services.AddSingleton(sp => Connect(sp, url, config));
        services.AddSingleton(sp => sp.GetRequiredService<RedisSharedState>().Multiplexer);
        services.AddSingleton<IBudgetLedger>(sp => sp.GetRequiredService<RedisSharedState>().Ledger);
        services.AddSingleton<ISemanticCache>(sp => sp.GetRequiredService<RedisSharedState>().Cache);
        services.AddSingleton<GreenGateway.Core.Energy.IEnergyObservations>(sp =>
            new GreenGateway.Redis.Energy.RedisEnergyObservations(sp.GetRequiredService<RedisSharedState>().Multiplexer));
        services.AddSingleton<IResponseStore>(sp => new RedisResponseStore(sp.GetRequiredService<RedisSharedState>().Multiplexer, config.Responses.ToOptions()));
        // Counts are summed in process and sent once a second of wall-clock time (batching, not accounting, so not the
        // gateway's TimeProvider): one increment per bucket and field, not per request.
        services.AddSingleton<IActivityStore>(sp =>
        {
            // The logger is taken now: the last flush runs while the container is being disposed.
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SharedState).FullName!);
            return new BufferedActivityStore(new RedisActivityStore(sp.GetRequiredService<RedisSharedState>().Multiplexer), TimeSpan.FromSeconds(1),
                TimeProvider.System, e => Log.ActivityFlushFailed(logger, e));
        });
        services.AddSingleton<IFeedbackStore>(sp => new RedisFeedbackStore(sp.GetRequiredService<RedisSharedState>().Multiplexer));
        services.AddSingleton<GreenGateway.Core.Batches.IBatchStore>(sp => new GreenGateway.Redis.Batches.RedisBatchStore(sp.GetRequiredService<RedisSharedState>().Multiplexer, sp.GetRequiredService<TimeProvider>()));
    }

    /// <summary>
    /// Connects at start-up (StackExchange.Redis finds a cluster's nodes, or a Sentinel's primary, then). A fail-open
    /// gateway starts even while Redis is away, on a client that keeps reconnecting; a fail-closed one refuses to start.
    /// </summary>
    private static RedisSharedState Connect(IServiceProvider services, string url, GatewayConfig config)
    {
        var redis = RedisConnectionString.Parse(url, TimeSpan.FromSeconds(config.Redis.ConnectTimeoutSeconds));
        var options = new RedisSharedStateOptions
        {
            Ledger = new RedisBudgetLedgerOptions
            {
                FailMode = RedisBudgetLedgerOptions.ParseFailMode(config.Redis.FailMode),
                LocalSliceFraction = config.Redis.LocalSliceFraction,
                JournalPath = config.Redis.JournalPath,
            },
            Cache = config.Cache.ToOptions(),
            Embedder = services.GetRequiredService<IEmbedder>(),
            Metrics = new RedisMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            Time = services.GetRequiredService<TimeProvider>(),
        };
        var loggers = services.GetRequiredService<ILoggerFactory>();
        return Task.Run(() => RedisSharedState.ConnectAsync(redis, options, loggers)).GetAwaiter().GetResult();
    }

    private static IEmbedder CreateEmbedder(IServiceProvider services, GatewayConfig config)
    {
        switch (config.Cache.Embedder)
        {
            case "hashed":
                return new HashedNGramEmbedder();
            case "onnx":
                return new Semantics.Embeddings.OnnxSentenceEmbedder(config.Cache.ToEmbedderOptions(services.GetRequiredService<IHostEnvironment>().ContentRootPath));
        }

        var alias = config.Models[config.Cache.EmbeddingModel!];
        var upstream = config.Upstreams[alias.Upstream];
        return new UpstreamEmbedder(
            services.GetRequiredService<Upstreams.ClusterClient>(),
            alias.Upstream,
            upstream.ResolveApiKey(),
            alias.UpstreamModel ?? config.Cache.EmbeddingModel!,
            config.Cache.EmbeddingDimensions,
            TimeSpan.FromSeconds(upstream.ResponseTimeoutSeconds));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1802, Level = LogLevel.Warning, Message = "The dashboard's activity could not be written to Redis; these counts are lost, the requests are unaffected")]
        public static partial void ActivityFlushFailed(ILogger logger, Exception exception);
    }
}
