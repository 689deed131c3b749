using GreenGateway.Core.Budgets;
using GreenGateway.Core.Cache;
using GreenGateway.Redis.Budgets;
using GreenGateway.Redis.Cache;
using GreenGateway.Redis.Connections;
using StackExchange.Redis;

namespace GreenGateway.RedisBench;

/// <summary>
/// The client under test: StackExchange.Redis, as the gateway uses it (one multiplexer; the ledger and the cache on it).
/// before/Backend.cs is the same surface on the gateway's former hand-made client (commit 1bdda62), for the "before"
/// figures (before-after.sh builds it there).
/// </summary>
internal sealed class Backend : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _redis;
    private readonly IDatabase _db;

    private Backend(ConnectionMultiplexer redis)
    {
        _redis = redis;
        _db = redis.GetDatabase();
        Ledger = new RedisBudgetLedger(redis, new RedisBudgetLedgerOptions { FailMode = LedgerFailMode.FailClosed });
        Cache = new RedisSemanticCache(redis, new HashedNGramEmbedder(), new SemanticCacheOptions { SimilarityThreshold = 0.9 });
    }

    public const string Name = "StackExchange.Redis";

    public RedisBudgetLedger Ledger { get; }

    public RedisSemanticCache Cache { get; }

    /// <summary>One client for all callers: SE.Redis multiplexes every caller over one connection, so <paramref name="connections"/> is not used.</summary>
    public static async Task<Backend> ConnectAsync(string url, int connections)
    {
        _ = connections;
        return new Backend(await ConnectionMultiplexer.ConnectAsync(RedisConnectionString.Parse(url)));
    }

    /// <summary>Like redis-benchmark -P: send <paramref name="pipeline"/> commands, then await all their replies; all workers share the multiplexer.</summary>
    public async Task RunWorkerAsync(int worker, bool set, byte[] key, byte[] value, int count, int pipeline)
    {
        _ = worker;
        var pending = new Task[pipeline];
        for (var done = 0; done < count; done += pipeline)
        {
            var batch = Math.Min(pipeline, count - done);
            for (var i = 0; i < batch; i++)
            {
                pending[i] = set ? _db.StringSetAsync(key, value) : _db.StringGetAsync(key);
            }

            for (var i = 0; i < batch; i++)
            {
                await pending[i].ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Ledger.DisposeAsync();
        await _redis.DisposeAsync();
    }
}
