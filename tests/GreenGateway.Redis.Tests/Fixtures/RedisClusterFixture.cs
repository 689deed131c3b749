using System.Diagnostics;
using System.Globalization;

namespace GreenGateway.Redis.Tests.Fixtures;

/// <summary>
/// A three-primary Redis Cluster on loopback: three cluster-enabled redis-server processes joined and given all
/// 16384 slots by <c>redis-cli --cluster create</c> (Debian redis-tools), ready once every node says cluster_state:ok.
/// Ports are at most 55535, because each node's cluster bus listens on its port + 10000.
/// </summary>
public sealed class RedisClusterFixture : IRespServerFixture, IAsyncLifetime
{
    private readonly RedisServerFixture[] _nodes = [RedisServerFixture.ClusterNode(), RedisServerFixture.ClusterNode(), RedisServerFixture.ClusterNode()];

    public ServerKind Kind => ServerKind.Cluster;

    public IReadOnlyList<int> Ports => [.. _nodes.Select(n => n.Port)];

    public int Port => _nodes[0].Port;

    /// <summary>A StackExchange.Redis configuration string naming every seed, as an operator would write it for a cluster.</summary>
    public string ConnectionString => string.Join(",", _nodes.Select(n => $"127.0.0.1:{n.Port}"));

    public async ValueTask InitializeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.StartAsync();
        }

        await RedisCliAsync(["--cluster", "create", .. _nodes.Select(n => $"127.0.0.1:{n.Port}"), "--cluster-replicas", "0", "--cluster-yes"]);
        var clock = Stopwatch.StartNew();
        foreach (var node in _nodes)
        {
            while (!(await RedisCliAsync(["-p", node.Port.ToString(CultureInfo.InvariantCulture), "CLUSTER", "INFO"])).Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(120))
                {
                    throw new TimeoutException("the cluster did not reach cluster_state:ok");
                }

                await Task.Delay(200);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    private static async Task<string> RedisCliAsync(string[] arguments)
    {
        var info = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', arguments)} failed: {await output}{await error}");
        }

        return await output;
    }
}
