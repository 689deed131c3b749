using System.Diagnostics;
using GreenGateway.Redis.Tests.Fixtures;
using GreenGateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GreenGateway.Batches.Tests;

/// <summary>
/// Nothing lost, nothing answered twice: a gateway process is killed (SIGKILL) in the middle of a batch, and another
/// gateway (a restart, or a second replica) finishes it, with each request exactly once in the output. On disk without
/// Redis, and on a real redis-server, where the second replica takes the dead one's lease over once it expires.
/// </summary>
public sealed class BatchRestartTests : IAsyncLifetime
{
    private const string Policies = """
        tenants:
          alpha:
            keys: ["{alpha}"]
            batches: { concurrency: 2, requests_per_second: 8 }
        """;

    private const int Lines = 40;
    private readonly string _directory = Directory.CreateTempSubdirectory("gg-batches-").FullName;
    private FakeOpenAiUpstream _upstream = null!;

    public async ValueTask InitializeAsync() => _upstream = await FakeOpenAiUpstream.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _upstream.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private Dictionary<string, string?> Settings(string? redis) => new()
    {
        ["Batches:Directory"] = _directory,
        ["Batches:PollSeconds"] = "0.2",
        ["Batches:LeaseSeconds"] = "2",
        ["Redis:Url"] = redis,
        ["Cache:Enabled"] = "false",
        ["Energy:Baseline:ProbeFraction"] = "0",
    };

    [Fact]
    public Task KilledMidBatch_OnDisk_RestartFinishesIt_EachRequestOnce() => KillAndFinishAsync(redis: null);

    [Fact]
    public async Task KilledMidBatch_OnRedis_AnotherReplicaTakesTheLeaseOver_EachRequestOnce()
    {
        await using var redis = new RedisServerFixture();
        await redis.InitializeAsync();
        await KillAndFinishAsync(redis.ConnectionString);
    }

    [Fact]
    public async Task TwoReplicas_OnRedis_OneHoldsTheBatch_AndEachRequestRunsOnce()
    {
        await using var redis = new RedisServerFixture();
        await redis.InitializeAsync();
        await using var first = await GatewayHost.StartAsync([_upstream.BaseUrl], Policies, Settings(redis.ConnectionString));
        await using var second = await GatewayHost.StartAsync([_upstream.BaseUrl], Policies, Settings(redis.ConnectionString));
        var files = BatchSdk.Files(first.BaseAddress);
        var fileId = await BatchSdk.UploadAsync(files, BatchSdk.ChatLines(16), TestContext.Current.CancellationToken);
        var operation = await BatchSdk.CreateAsync(BatchSdk.Batches(second.BaseAddress), fileId);
        var runners = new[] { first, second }.Select(g => g.Services.GetRequiredService<BatchRunner>()).ToArray();

        var holders = new HashSet<int>();
        var batch = await BatchSdk.WaitAsync(operation, b =>
        {
            var holding = runners.Select((r, i) => (r, i)).Where(x => x.r.Running.Contains(operation.BatchId)).Select(x => x.i).ToList();
            Assert.True(holding.Count <= 1, "two replicas ran the batch at once");
            holders.UnionWith(holding);
            return BatchSdk.Ended(b);
        });

        Assert.Equal("completed", batch["status"]!.GetValue<string>());
        var output = await BatchSdk.DownloadLinesAsync(files, batch["output_file_id"]!.GetValue<string>());
        Assert.Equal(16, output.Select(l => l["custom_id"]!.GetValue<string>()).Distinct().Count());
        Assert.Equal(16, output.Count);
        Assert.Equal(16, _upstream.Requests.Count);
    }

    private async Task KillAndFinishAsync(string? redis)
    {
        var port = Loopback.FreePort();
        var policies = Directory.CreateTempSubdirectory("gg-policies-").FullName;
        await File.WriteAllTextAsync(Path.Combine(policies, "tenants.yaml"), GatewayHost.WithKeys(Policies), TestContext.Current.CancellationToken);
        var arguments = new List<string> { Path.Combine(AppContext.BaseDirectory, "GreenGateway.dll"), "--urls", $"http://127.0.0.1:{port}", $"--Gateway:PoliciesPath={policies}" };
        foreach (var (key, value) in Settings(redis))
        {
            if (value is not null)
            {
                arguments.Add($"--{key}={value}");
            }
        }

        var start = new ProcessStartInfo("dotnet", arguments) { WorkingDirectory = AppContext.BaseDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["GG_UPSTREAM_URL"] = _upstream.BaseUrl;
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var address = new Uri($"http://127.0.0.1:{port}");
        string batchId;
        try
        {
            await WaitUntilListeningAsync(address, process);
            var fileId = await BatchSdk.UploadAsync(BatchSdk.Files(address), BatchSdk.ChatLines(Lines), TestContext.Current.CancellationToken);
            var operation = await BatchSdk.CreateAsync(BatchSdk.Batches(address), fileId);
            batchId = operation.BatchId;
            await BatchSdk.WaitAsync(operation, b => b["request_counts"]!["completed"]!.GetValue<int>() >= 8);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            Directory.Delete(policies, recursive: true);
        }

        var answeredBeforeKill = _upstream.Requests.Count;
        Assert.InRange(answeredBeforeKill, 8, Lines - 1);

        // The restart (or the other replica): same store, same tenants; it finds the batch and, once the dead process's
        // lease has expired, takes it over.
        await using var gateway = await GatewayHost.StartAsync([_upstream.BaseUrl], Policies, Settings(redis));
        var files = BatchSdk.Files(gateway.BaseAddress);
        var restarted = await OpenAI.Batch.CreateBatchOperation.RehydrateAsync(BatchSdk.Batches(gateway.BaseAddress), batchId, TestContext.Current.CancellationToken);
        var batch = await BatchSdk.WaitAsync(restarted, BatchSdk.Ended, seconds: 90);

        Assert.Equal("completed", batch["status"]!.GetValue<string>());
        Assert.Equal(Lines, batch["request_counts"]!["completed"]!.GetValue<int>());
        var output = await BatchSdk.DownloadLinesAsync(files, batch["output_file_id"]!.GetValue<string>());
        Assert.Equal(Enumerable.Range(0, Lines).Select(i => $"req-{i}").Order(), output.Select(l => l["custom_id"]!.GetValue<string>()).Order());

        // At most the requests in flight when it died (the batch concurrency) reached the upstream twice.
        Assert.InRange(_upstream.Requests.Count, Lines, Lines + 2);
    }

    private static async Task WaitUntilListeningAsync(Uri address, Process gateway)
    {
        using var client = new HttpClient { BaseAddress = address };
        for (var i = 0; i < 300; i++)
        {
            Assert.False(gateway.HasExited, "the gateway process exited");
            try
            {
                if ((await client.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        Assert.Fail("the gateway process did not start listening");
    }
}
