// The "before" backend: the same surface as ../Backend.cs on the gateway's own RESP client as it was at commit 1bdda62.
// Not compiled here (RedisBench.csproj removes before/**); before-after.sh copies it over Backend.cs in a worktree of
// that commit and builds it there.
using GreenGateway.Core.Budgets;
using GreenGateway.Core.Cache;
using GreenGateway.Redis.Budgets;
using GreenGateway.Redis.Cache;
using GreenGateway.Redis.Connections;
using GreenGateway.Redis.Protocol;

namespace GreenGateway.RedisBench;

internal sealed class Backend : IAsyncDisposable
{
    private readonly RedisConnection _shared;
    private readonly RedisConnection[] _connections;

    private Backend(RedisConnection shared, RedisConnection[] connections)
    {
        _shared = shared;
        _connections = connections;
        Ledger = new RedisBudgetLedger(shared, new RedisBudgetLedgerOptions { FailMode = LedgerFailMode.FailClosed });
        Cache = new RedisSemanticCache(shared, new HashedNGramEmbedder(), new SemanticCacheOptions { SimilarityThreshold = 0.9 });
    }

    public const string Name = "hand-made RESP client (1bdda62)";

    public RedisBudgetLedger Ledger { get; }

    public RedisSemanticCache Cache { get; }

    /// <summary>The gateway ran the ledger and cache on one multiplexed connection; SET/GET workers get one connection each, as redis-benchmark's clients do.</summary>
    public static async Task<Backend> ConnectAsync(string url, int connections)
    {
        var options = RedisOptions.Parse(url);
        var shared = await RedisConnection.ConnectAsync(options);
        var pool = new RedisConnection[connections];
        for (var i = 0; i < connections; i++)
        {
            pool[i] = await RedisConnection.ConnectAsync(options with { ClientName = null });
        }

        return new Backend(shared, pool);
    }

    /// <summary>As the old loadtests/redis-bench did: one connection per worker, a pipeline's worth sent, then awaited.</summary>
    public async Task RunWorkerAsync(int worker, bool set, byte[] key, byte[] value, int count, int pipeline)
    {
        var connection = _connections[worker % _connections.Length];
        var pending = new ValueTask<RespValue>[pipeline];
        for (var done = 0; done < count; done += pipeline)
        {
            var batch = Math.Min(pipeline, count - done);
            for (var i = 0; i < batch; i++)
            {
                pending[i] = set ? connection.ExecuteAsync("SET", [key, value]) : connection.ExecuteAsync("GET", [key]);
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
        await _shared.DisposeAsync();
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }
}
