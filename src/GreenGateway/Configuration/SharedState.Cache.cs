using GreenGateway.Cache;
using GreenGateway.Core.Cache;
using GreenGateway.Redis.Cache;
using GreenGateway.Redis.Connections;

namespace GreenGateway.Configuration;

internal static partial class SharedState
{
    /// <summary>The semantic cache: in Redis (shared by replicas) when Redis is configured, else in process.</summary>
    public static void AddCache(IServiceCollection services, GatewayConfig config)
    {
        services.AddSingleton(sp => CreateEmbedder(sp, config));
        services.AddSingleton<ISemanticCache>(sp => config.Redis.ResolveUrl() is null
            ? new InMemorySemanticCache(sp.GetRequiredService<IEmbedder>(), config.Cache.ToOptions(), sp.GetRequiredService<TimeProvider>())
            : new RedisSemanticCache(sp.GetRequiredService<IRedisClient>(), sp.GetRequiredService<IEmbedder>(), config.Cache.ToOptions(), timeProvider: sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(config.Cache);
        services.AddSingleton<CacheTier>();
    }

    private static IEmbedder CreateEmbedder(IServiceProvider services, GatewayConfig config)
    {
        if (config.Cache.Embedder != "upstream")
        {
            return new HashedNGramEmbedder();
        }

        var alias = config.Models[config.Cache.EmbeddingModel!];
        var upstream = config.Upstreams[alias.Upstream];
        return new UpstreamEmbedder(
            services.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(UpstreamEmbedder)),
            upstream.Destinations[0],
            upstream.ResolveApiKey(),
            alias.UpstreamModel ?? config.Cache.EmbeddingModel!,
            config.Cache.EmbeddingDimensions);
    }
}
