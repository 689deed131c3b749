using StackExchange.Redis;
using Microsoft.Extensions.Logging;

namespace GreenGateway.Redis.Cache;

public sealed partial class RedisSemanticCache
{
    /// <summary>
    /// Finds out once whether the server has vector sets (VCARD answers) and whose scale its VSIM uses: a probe vector is
    /// compared with itself, which Redis scores 1 (similarity) and Garnet 0 (distance). StackExchange.Redis allows INFO
    /// only to admin connections, and the scale is what matters anyway.
    /// </summary>
    public async ValueTask<VectorEngine> DetectEngineAsync(CancellationToken cancellationToken)
    {
        if (_engine is { } known)
        {
            return known;
        }

        cancellationToken.ThrowIfCancellationRequested();
        VectorEngine engine;
        try
        {
            var probe = (RedisKey)$"{_redisOptions.KeyPrefix}:probe:{Guid.NewGuid():N}";
            await _db.ExecuteAsync("VCARD", probe).ConfigureAwait(false);
            var vector = StoredEntry.VectorBytes([1f, 0f]);
            await _db.ExecuteAsync("VADD", probe, "FP32", vector, "p").ConfigureAwait(false);
            var reply = (RedisResult[])(await _db.ExecuteAsync("VSIM", probe, "FP32", vector, "WITHSCORES").ConfigureAwait(false))!;
            await _db.KeyDeleteAsync(probe).ConfigureAwait(false);
            engine = (double)reply[1] > 0.5 ? VectorEngine.Redis : VectorEngine.Garnet;
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
