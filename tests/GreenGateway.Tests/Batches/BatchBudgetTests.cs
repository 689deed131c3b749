using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using GreenGateway.Redis.Tests.Fixtures;
using GreenGateway.Tests.Support;

namespace GreenGateway.Batches.Tests;

/// <summary>
/// <c>batches.budget: reserve_whole</c> end to end, through the official SDK against a real gateway and a Kestrel upstream,
/// with the embedded ledger and with the Redis ledger on a real redis-server: creating a batch holds its whole estimate
/// in the tenant's budget or is refused (429, OpenAI's shape); its requests run on the hold; when it ends, completed or
/// cancelled, the hold is settled at what they cost and nothing stays reserved.
/// </summary>
public sealed class BatchBudgetTests : IAsyncLifetime
{
    /// <summary>
    /// What admission estimates for one of <see cref="BatchSdk.ChatLines"/>' requests here (echo-model's default profile,
    /// max_tokens 16), in joules: measured by <c>HoldEstimate_IsWhatAdmissionWouldReserveForEachLine</c> below.
    /// </summary>
    private const double LineEstimateJoules = 11.55492;

    // A day budget of 6 lines' estimate: a 4-line batch fits, an 8-line one never does.
    private static readonly string Policies = $$"""
        tenants:
          saver:
            keys: ["{saver}"]
            batches: { budget: reserve_whole, concurrency: 2, requests_per_second: 200 }
            budgets:
              day: { energy_wh: {{(6 * LineEstimateJoules / 3600).ToString("R", CultureInfo.InvariantCulture)}} }
          tiny:
            keys: ["{tiny}"]
            batches: { budget: reserve_whole, concurrency: 1, requests_per_second: 2 }
          alpha:
            keys: ["{alpha}"]
            batches: { concurrency: 4, requests_per_second: 200 }
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("gg-batches-").FullName;
    private FakeOpenAiUpstream _upstream = null!;

    public async ValueTask InitializeAsync() => _upstream = await FakeOpenAiUpstream.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _upstream.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<GatewayHost> StartAsync(string? redis) => await GatewayHost.StartAsync([_upstream.BaseUrl], Policies, new Dictionary<string, string?>
    {
        ["Batches:Directory"] = _directory,
        ["Batches:PollSeconds"] = "0.2",
        ["Redis:Url"] = redis,
    });

    private static async Task<JsonObject> DayAsync(HttpClient client)
    {
        var usage = await Json.ReadObjectAsync(await client.GetAsync("/v1/usage"));
        return usage["windows"]!.AsArray().Single(w => w!["window"]!.GetValue<string>() == "day")!.AsObject();
    }

    private static async Task<JsonObject> UsageOfAsync(HttpClient client, string batchId)
    {
        var usage = await Json.ReadObjectAsync(await client.GetAsync("/v1/usage"));
        return usage["batches"]!.AsArray().Single(b => b!["id"]!.GetValue<string>() == batchId)!.AsObject();
    }

    [Fact]
    public async Task HoldEstimate_IsWhatAdmissionWouldReserveForEachLine()
    {
        await using var gateway = await StartAsync(redis: null);
        var files = BatchSdk.Files(gateway.BaseAddress, "key-tiny");
        var fileId = await BatchSdk.UploadAsync(files, BatchSdk.ChatLines(4), TestContext.Current.CancellationToken);
        var operation = await BatchSdk.CreateAsync(BatchSdk.Batches(gateway.BaseAddress, "key-tiny"), fileId);
        using var tiny = gateway.Client("key-tiny");

        // Held at once, before a request ran: the day window reserves the whole estimate.
        var hold = (await UsageOfAsync(tiny, operation.BatchId))["hold"]!;
        var held = hold["energy_joules"]!.GetValue<double>();
        Assert.True(Math.Abs(held - (4 * LineEstimateJoules)) < 1e-6, $"the hold of 4 lines is {held} J ({held / 4:R} J a line)");
        Assert.True((await DayAsync(tiny))["reserved_energy_joules"]!.GetValue<double>() >= held - LineEstimateJoules);

        await BatchSdk.WaitAsync(operation, BatchSdk.Ended);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReserveWhole_HoldsTheBatch_RefusesOneThatDoesNotFit_AndSettlesAtWhatItCost(bool onRedis)
    {
        await using var redis = onRedis ? new RedisServerFixture() : null;
        if (redis is not null)
        {
            await redis.InitializeAsync();
        }

        await using var gateway = await StartAsync(redis?.ConnectionString);
        var files = BatchSdk.Files(gateway.BaseAddress, "key-saver");
        var batches = BatchSdk.Batches(gateway.BaseAddress, "key-saver");
        using var saver = gateway.Client("key-saver");

        // 8 lines never fit a budget of 6 lines: refused at creation, in OpenAI's error shape, and nothing stays held.
        var big = await BatchSdk.UploadAsync(files, BatchSdk.ChatLines(8), TestContext.Current.CancellationToken);
        var refused = await saver.PostAsync("/v1/batches", Json.Body($$"""{"input_file_id":"{{big}}","endpoint":"/v1/chat/completions","completion_window":"24h"}"""),
            TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var error = (await Json.ReadObjectAsync(refused))["error"]!;
        Assert.Equal("insufficient_quota", error["type"]!.GetValue<string>());
        Assert.Equal("batch_budget_exceeded", error["code"]!.GetValue<string>());
        Assert.Equal(0, (await DayAsync(saver))["reserved_energy_joules"]!.GetValue<double>(), 9);
        var list = await Json.ReadObjectAsync(await saver.GetAsync("/v1/batches", TestContext.Current.CancellationToken));
        Assert.Empty(list["data"]!.AsArray());

        // 4 lines fit, and run on the hold.
        var small = await BatchSdk.UploadAsync(files, BatchSdk.ChatLines(4), TestContext.Current.CancellationToken);
        var batch = await BatchSdk.WaitAsync(await BatchSdk.CreateAsync(batches, small), BatchSdk.Ended);
        Assert.Equal("completed", batch["status"]!.GetValue<string>());
        Assert.Equal(4, batch["request_counts"]!["completed"]!.GetValue<int>());

        // Settled at what its requests cost: the day consumed exactly the batch's energy, nothing reserved, within the budget.
        var summary = await UsageOfAsync(saver, batch["id"]!.GetValue<string>());
        var day = await DayAsync(saver);
        Assert.Equal(0, day["reserved_energy_joules"]!.GetValue<double>(), 9);
        Assert.Equal(summary["energy_joules"]!.GetValue<double>(), day["energy_joules"]!.GetValue<double>(), 6);
        Assert.Equal(summary["energy_joules"]!.GetValue<double>(), summary["hold"]!["used_energy_joules"]!.GetValue<double>(), 6);
        Assert.True(day["energy_joules"]!.GetValue<double>() <= 6 * LineEstimateJoules);
        Assert.True(summary["energy_joules"]!.GetValue<double>() > 0);
        Assert.Equal(4, _upstream.Requests.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReserveWhole_CancelledBatch_ReleasesTheRestOfItsHold(bool onRedis)
    {
        await using var redis = onRedis ? new RedisServerFixture() : null;
        if (redis is not null)
        {
            await redis.InitializeAsync();
        }

        await using var gateway = await StartAsync(redis?.ConnectionString);
        var files = BatchSdk.Files(gateway.BaseAddress, "key-tiny");
        var fileId = await BatchSdk.UploadAsync(files, BatchSdk.ChatLines(20), TestContext.Current.CancellationToken);
        var operation = await BatchSdk.CreateAsync(BatchSdk.Batches(gateway.BaseAddress, "key-tiny"), fileId);
        using var tiny = gateway.Client("key-tiny");
        await BatchSdk.WaitAsync(operation, b => b["request_counts"]!["completed"]!.GetValue<int>() >= 2);
        Assert.True((await DayAsync(tiny))["reserved_energy_joules"]!.GetValue<double>() > 10 * LineEstimateJoules);

        await operation.CancelAsync(new System.ClientModel.Primitives.RequestOptions());
        var batch = await BatchSdk.WaitAsync(operation, BatchSdk.Ended);

        Assert.Equal("cancelled", batch["status"]!.GetValue<string>());
        var summary = await UsageOfAsync(tiny, operation.BatchId);
        var day = await DayAsync(tiny);
        Assert.Equal(0, day["reserved_energy_joules"]!.GetValue<double>(), 9);
        Assert.Equal(summary["energy_joules"]!.GetValue<double>(), day["energy_joules"]!.GetValue<double>(), 6);
        Assert.InRange(summary["request_counts"]!["completed"]!.GetValue<int>(), 2, 19);
    }

    [Fact]
    public async Task Throttle_TheDefault_HoldsNothing()
    {
        await using var gateway = await StartAsync(redis: null);
        var files = BatchSdk.Files(gateway.BaseAddress);
        var fileId = await BatchSdk.UploadAsync(files, BatchSdk.ChatLines(2), TestContext.Current.CancellationToken);
        var batch = await BatchSdk.WaitAsync(await BatchSdk.CreateAsync(BatchSdk.Batches(gateway.BaseAddress), fileId), BatchSdk.Ended);
        using var alpha = gateway.Client();

        Assert.Null((await UsageOfAsync(alpha, batch["id"]!.GetValue<string>()))["hold"]);
    }
}
