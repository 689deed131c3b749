using System.Diagnostics;
using GreenGateway.Redis.Connections;

namespace GreenGateway.Redis.Tests.Fixtures;

/// <summary>
/// A three-primary Redis Cluster on loopback: three cluster-enabled redis-server processes joined and given all
/// 16384 slots by <c>redis-cli --cluster create</c> (Debian redis-tools), ready once every node says cluster_state:ok.
/// </summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    private readonly RedisServerFixture[] _nodes = [RedisServerFixture.ClusterNode(), RedisServerFixture.ClusterNode(), RedisServerFixture.ClusterNode()];

    public IReadOnlyList<int> Ports => [.. _nodes.Select(n => n.Port)];

    public string ConnectionString => $"redis://127.0.0.1:{_nodes[0].Port}";

    public async ValueTask InitializeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.StartAsync();
        }

        var create = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["--cluster", "create", .. _nodes.Select(n => $"127.0.0.1:{n.Port}"), "--cluster-replicas", "0", "--cluster-yes"])
        {
            create.ArgumentList.Add(argument);
        }

        using (var process = Process.Start(create)!)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"redis-cli --cluster create failed: {await output}{await error}");
            }
        }

        var clock = Stopwatch.StartNew();
        foreach (var node in _nodes)
        {
            await using var connection = await RedisConnection.ConnectAsync(RedisOptions.Parse(node.ConnectionString));
            while (!((await connection.ExecuteAsync("CLUSTER", ["INFO"])).AsString() ?? string.Empty).Contains("cluster_state:ok", StringComparison.Ordinal))
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
}
