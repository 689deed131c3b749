using GreenGateway.Redis.Protocol;
using Microsoft.Extensions.Logging;

namespace GreenGateway.Redis.Cache;

public sealed partial class RedisSemanticCache
{
    /// <summary>Finds out once whether the server has vector sets (VCARD answers) and whose scale its VSIM uses (Garnet announces itself in INFO).</summary>
    public async ValueTask<VectorEngine> DetectEngineAsync(CancellationToken cancellationToken)
    {
        if (_engine is { } known)
        {
            return known;
        }

        VectorEngine engine;
        try
        {
            await _client.ExecuteAsync("VCARD", [$"{_redisOptions.KeyPrefix}:probe"], cancellationToken).ConfigureAwait(false);
            var info = (await _client.ExecuteAsync("INFO", ["server"], cancellationToken).ConfigureAwait(false)).AsString() ?? string.Empty;
            engine = info.Contains("garnet_version", StringComparison.Ordinal) ? VectorEngine.Garnet : VectorEngine.Redis;
        }
        catch (RedisServerException) when (_redisOptions.SearchMode == VectorSearchMode.Auto)
        {
            engine = VectorEngine.None;
        }

        _engine = engine;
        return engine;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Semantic cache: Redis unavailable, {Operation} skipped: {Reason}")]
        public static partial void Unavailable(ILogger logger, string operation, string reason);
    }
}
