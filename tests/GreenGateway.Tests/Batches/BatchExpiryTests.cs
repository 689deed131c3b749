using System.Net;
using System.Text.Json.Nodes;
using GreenGateway.Tests.Support;

namespace GreenGateway.Batches.Tests;

/// <summary>
/// Expiry on the gateway's clock (a fake one, moved by hand): a file uploaded with OpenAI's <c>expires_after</c> is gone
/// after it and then removed; a batch not finished by its completion window ends <c>expired</c>, keeping the answers it
/// has and reporting the rest as <c>batch_expired</c>; its output file honours <c>output_expires_after</c>.
/// </summary>
public sealed class BatchExpiryTests : IAsyncLifetime
{
    private const string Policies = """
        tenants:
          alpha:
            keys: ["{alpha}"]
          tiny:
            keys: ["{tiny}"]
            batches: { concurrency: 1, requests_per_second: 2 }
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("gg-batches-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private FakeOpenAiUpstream _upstream = null!;
    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeOpenAiUpstream.StartAsync();
        _gateway = await GatewayHost.StartAsync([_upstream.BaseUrl], Policies, new Dictionary<string, string?>
        {
            ["Batches:Directory"] = _directory,
            ["Batches:PollSeconds"] = "0.2",
        }, _time);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<HttpResponseMessage> UploadAsync(HttpClient client, string? anchor, string? seconds)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("batch"), "purpose" },
            { new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(BatchSdk.ChatLines(1))), "file", "in.jsonl" },
        };
        if (anchor is not null)
        {
            form.Add(new StringContent(anchor), "expires_after[anchor]");
        }

        if (seconds is not null)
        {
            form.Add(new StringContent(seconds), "expires_after[seconds]");
        }

        return await client.PostAsync("/v1/files", form, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task File_WithExpiresAfter_IsGoneAfterIt_AndThenRemoved()
    {
        using var client = _gateway.Client();
        var keep = await Json.ReadObjectAsync(await UploadAsync(client, null, null));
        var upload = await UploadAsync(client, "created_at", "3600");
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        var file = await Json.ReadObjectAsync(upload);
        var id = file["id"]!.GetValue<string>();
        Assert.Equal(file["created_at"]!.GetValue<long>() + 3600, file["expires_at"]!.GetValue<long>());
        Assert.Null(keep["expires_at"]);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/files/{id}", TestContext.Current.CancellationToken)).StatusCode);

        _time.Advance(TimeSpan.FromSeconds(3599));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/files/{id}/content", TestContext.Current.CancellationToken)).StatusCode);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/files/{id}", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/files/{id}/content", TestContext.Current.CancellationToken)).StatusCode);
        var list = await Json.ReadObjectAsync(await client.GetAsync("/v1/files", TestContext.Current.CancellationToken));
        Assert.Equal([keep["id"]!.GetValue<string>()], list["data"]!.AsArray().Select(f => f!["id"]!.GetValue<string>()));
        var create = await client.PostAsync("/v1/batches", Json.Body($$"""{"input_file_id":"{{id}}","endpoint":"/v1/chat/completions","completion_window":"24h"}"""),
            TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, create.StatusCode);

        // The runner removes it from the store (its poll: 0.2 s); the file kept without expiry stays.
        var path = Path.Combine(_directory, "files", id + ".json");
        for (var i = 0; i < 400 && File.Exists(path); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.False(File.Exists(path), "the expired file was not removed");
        Assert.False(File.Exists(Path.Combine(_directory, "files", id + ".jsonl")));
        Assert.True(File.Exists(Path.Combine(_directory, "files", keep["id"]!.GetValue<string>() + ".json")));
    }

    [Fact]
    public async Task File_WithExpiresAfter_OnRedis_IsGoneAfterIt_AndThenRemovedFromRedis()
    {
        await using var redis = new GreenGateway.Redis.Tests.Fixtures.RedisServerFixture();
        await redis.InitializeAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await GatewayHost.StartAsync([_upstream.BaseUrl], Policies, new Dictionary<string, string?>
        {
            ["Batches:PollSeconds"] = "0.2",
            ["Redis:Url"] = redis.ConnectionString,
        }, time);
        using var client = gateway.Client();
        var id = (await Json.ReadObjectAsync(await UploadAsync(client, "created_at", "7200")))["id"]!.GetValue<string>();
        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port}");
        var db = connection.GetDatabase();
        Assert.True(await db.KeyExistsAsync($"gg:bfile:{id}:content"));

        time.Advance(TimeSpan.FromHours(2));

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/files/{id}", TestContext.Current.CancellationToken)).StatusCode);
        for (var i = 0; i < 400 && await db.KeyExistsAsync($"gg:bfile:{id}"); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.False(await db.KeyExistsAsync($"gg:bfile:{id}"), "the expired file was not removed");
        Assert.False(await db.KeyExistsAsync($"gg:bfile:{id}:content"));
        Assert.Equal(0, await db.SortedSetLengthAsync("gg:bfiles:expiry"));
    }

    [Theory]
    [InlineData("created_at", "60")]
    [InlineData("created_at", "2592001")]
    [InlineData("last_active_at", "3600")]
    [InlineData(null, "3600")]
    [InlineData("created_at", "soon")]
    public async Task File_WithABadExpiresAfter_Is400NamingIt(string? anchor, string? seconds)
    {
        using var client = _gateway.Client();

        var response = await UploadAsync(client, anchor, seconds);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("expires_after", (await Json.ReadObjectAsync(response))["error"]!["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task Batch_NotFinishedInItsWindow_Expires_KeepingItsAnswers_AndReportingTheRestAsBatchExpired()
    {
        var files = BatchSdk.Files(_gateway.BaseAddress, "key-tiny");
        var fileId = await BatchSdk.UploadAsync(files, BatchSdk.ChatLines(12), TestContext.Current.CancellationToken);
        using var tiny = _gateway.Client("key-tiny");
        var created = await tiny.PostAsync("/v1/batches", Json.Body($$$"""
            {"input_file_id":"{{{fileId}}}","endpoint":"/v1/chat/completions","completion_window":"1h","output_expires_after":{"anchor":"created_at","seconds":7200}}
            """), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var id = (await Json.ReadObjectAsync(created))["id"]!.GetValue<string>();
        var batch = await WaitAsync(tiny, id, b => b["request_counts"]!["completed"]!.GetValue<int>() >= 2);
        Assert.Equal(batch["created_at"]!.GetValue<long>() + 3600, batch["expires_at"]!.GetValue<long>());

        _time.Advance(TimeSpan.FromMinutes(61));
        batch = await WaitAsync(tiny, id, BatchSdk.Ended);

        Assert.Equal("expired", batch["status"]!.GetValue<string>());
        Assert.NotNull(batch["expired_at"]);
        var completed = batch["request_counts"]!["completed"]!.GetValue<int>();
        Assert.InRange(completed, 2, 11);
        Assert.Equal(12 - completed, batch["request_counts"]!["failed"]!.GetValue<int>());
        var output = await BatchSdk.DownloadLinesAsync(files, batch["output_file_id"]!.GetValue<string>());
        Assert.Equal(completed, output.Count);
        Assert.All(output, line => Assert.Equal(200, line["response"]!["status_code"]!.GetValue<int>()));
        var errors = await BatchSdk.DownloadLinesAsync(files, batch["error_file_id"]!.GetValue<string>());
        Assert.Equal(12 - completed, errors.Count);
        Assert.All(errors, line => Assert.Equal("batch_expired", line["error"]!["code"]!.GetValue<string>()));
        Assert.Equal(12, output.Concat(errors).Select(l => l["custom_id"]!.GetValue<string>()).Distinct().Count());

        // output_expires_after: the output file expires two hours after it was written.
        var outputFile = await Json.ReadObjectAsync(await tiny.GetAsync($"/v1/files/{batch["output_file_id"]}", TestContext.Current.CancellationToken));
        Assert.Equal(outputFile["created_at"]!.GetValue<long>() + 7200, outputFile["expires_at"]!.GetValue<long>());
    }

    [Fact]
    public async Task Batch_WithABadOutputExpiresAfter_Is400()
    {
        using var client = _gateway.Client();
        var fileId = (await Json.ReadObjectAsync(await UploadAsync(client, null, null)))["id"]!.GetValue<string>();

        var response = await client.PostAsync("/v1/batches", Json.Body($$$"""
            {"input_file_id":"{{{fileId}}}","endpoint":"/v1/chat/completions","completion_window":"24h","output_expires_after":{"anchor":"created_at","seconds":10}}
            """), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("output_expires_after", (await Json.ReadObjectAsync(response))["error"]!["param"]!.GetValue<string>());
    }

    private static async Task<JsonObject> WaitAsync(HttpClient client, string id, Func<JsonObject, bool> done)
    {
        JsonObject? batch = null;
        for (var i = 0; i < 600; i++)
        {
            batch = await Json.ReadObjectAsync(await client.GetAsync($"/v1/batches/{id}"));
            if (done(batch))
            {
                return batch;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the batch did not get there in 60 s: " + batch?.ToJsonString());
    }
}
