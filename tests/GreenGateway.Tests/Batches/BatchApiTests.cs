using System.ClientModel;
using System.Net;
using System.Text.Json.Nodes;
using GreenGateway.Tests.Support;

namespace GreenGateway.Batches.Tests;

/// <summary>The Files and Batch APIs through the official OpenAI .NET SDK, against a real gateway and a Kestrel upstream, without Redis.</summary>
public sealed class BatchApiTests : IAsyncLifetime
{
    private const string Policies = """
        tenants:
          alpha:
            keys: ["{alpha}"]
            batches: { concurrency: 4, requests_per_second: 200 }
          beta:
            keys: ["{beta}"]
          tiny:
            keys: ["{tiny}"]
            batches: { concurrency: 1, requests_per_second: 2 }
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("gg-batches-").FullName;
    private FakeOpenAiUpstream _upstream = null!;
    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeOpenAiUpstream.StartAsync();
        _gateway = await GatewayHost.StartAsync([_upstream.BaseUrl], Policies, new Dictionary<string, string?>
        {
            ["Batches:Directory"] = _directory,
            ["Batches:PollSeconds"] = "0.2",
            ["Batches:MaxFileBytes"] = "20000",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task SdkBatch_AnswersEveryLineOnce_ReportsTheBadLine_AndItsCarbon()
    {
        var files = BatchSdk.Files(_gateway.BaseAddress);
        var jsonl = BatchSdk.ChatLines(5) + """{"custom_id":"bad-1","method":"POST","url":"/v1/chat/completions","body":{"model":"echo-model","messages":[{"role":"wizard","content":"x"}]}}""" + "\n"
            + """{"custom_id":"bad-2","method":"POST","url":"/v1/embeddings","body":{"model":"echo-model","input":"x"}}""" + "\n" + "not json\n";
        var fileId = await BatchSdk.UploadAsync(files, jsonl, TestContext.Current.CancellationToken);
        var operation = await BatchSdk.CreateAsync(BatchSdk.Batches(_gateway.BaseAddress), fileId);

        var batch = await BatchSdk.WaitAsync(operation, BatchSdk.Ended);

        Assert.Equal("completed", batch["status"]!.GetValue<string>());
        Assert.Equal(8, batch["request_counts"]!["total"]!.GetValue<int>());
        Assert.Equal(5, batch["request_counts"]!["completed"]!.GetValue<int>());
        Assert.Equal(3, batch["request_counts"]!["failed"]!.GetValue<int>());
        Assert.Equal("nightly", batch["metadata"]!["job"]!.GetValue<string>());
        var output = await BatchSdk.DownloadLinesAsync(files, batch["output_file_id"]!.GetValue<string>());
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"req-{i}").Order(), output.Select(l => l["custom_id"]!.GetValue<string>()).Order());
        foreach (var line in output)
        {
            Assert.Equal(200, line["response"]!["status_code"]!.GetValue<int>());
            Assert.Equal(FakeOpenAiUpstream.Answer, line["response"]!["body"]!["choices"]![0]!["message"]!["content"]!.GetValue<string>());
            Assert.True(line["response"]!["body"]!["usage"]!["carbon_gco2e"]!.GetValue<double>() > 0);
            Assert.Null(line["error"]);
        }

        var errors = await BatchSdk.DownloadLinesAsync(files, batch["error_file_id"]!.GetValue<string>());
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e["custom_id"]?.GetValue<string>() == "bad-1" && e["error"]!["message"]!.GetValue<string>().Contains("role", StringComparison.Ordinal));
        Assert.Contains(errors, e => e["custom_id"]?.GetValue<string>() == "bad-2" && e["error"]!["code"]!.GetValue<string>() == "mismatched_endpoint");
        Assert.Contains(errors, e => e["error"]!["code"]!.GetValue<string>() == "invalid_json_line");

        // The grams it cost and the grams run-at-submission would have cost (a flat static grid: the same).
        var carbon = double.Parse(batch["metadata"]!["gg_carbon_gco2e"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        var sum = output.Sum(l => l["response"]!["body"]!["usage"]!["carbon_gco2e"]!.GetValue<double>());
        Assert.Equal(sum, carbon, 9);
        Assert.Equal(carbon, batch["gg"]!["counterfactual_gco2e"]!.GetValue<double>(), 9);
        Assert.Equal(5, _upstream.Requests.Count);
    }

    [Fact]
    public async Task FilesAndBatches_OfAnotherTenant_Are404()
    {
        var files = BatchSdk.Files(_gateway.BaseAddress);
        var fileId = await BatchSdk.UploadAsync(files, BatchSdk.ChatLines(1), TestContext.Current.CancellationToken);
        var operation = await BatchSdk.CreateAsync(BatchSdk.Batches(_gateway.BaseAddress), fileId);
        using var beta = _gateway.Client("key-beta");

        Assert.Equal(HttpStatusCode.NotFound, (await beta.GetAsync($"/v1/files/{fileId}", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await beta.GetAsync($"/v1/files/{fileId}/content", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await beta.DeleteAsync($"/v1/files/{fileId}", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await beta.GetAsync($"/v1/batches/{operation.BatchId}", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await beta.PostAsync($"/v1/batches/{operation.BatchId}/cancel", null, TestContext.Current.CancellationToken)).StatusCode);
        var list = await Json.ReadObjectAsync(await beta.GetAsync("/v1/batches", TestContext.Current.CancellationToken));
        Assert.Empty(list["data"]!.AsArray());
        var create = await beta.PostAsync("/v1/batches", Json.Body($$"""{"input_file_id":"{{fileId}}","endpoint":"/v1/chat/completions","completion_window":"24h"}"""), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, create.StatusCode);

        await BatchSdk.WaitAsync(operation, BatchSdk.Ended);
        using var alpha = _gateway.Client();
        var mine = await Json.ReadObjectAsync(await alpha.GetAsync("/v1/batches?limit=5", TestContext.Current.CancellationToken));
        Assert.Contains(mine["data"]!.AsArray(), b => b!["id"]!.GetValue<string>() == operation.BatchId);
        Assert.Equal(HttpStatusCode.OK, (await alpha.DeleteAsync($"/v1/files/{fileId}", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alpha.GetAsync($"/v1/files/{fileId}", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Upload_OverTheLimit_Is413_AndBadRequests_Are400InOpenAiShape()
    {
        var files = BatchSdk.Files(_gateway.BaseAddress);
        var tooLarge = await Assert.ThrowsAsync<ClientResultException>(() => BatchSdk.UploadAsync(files, BatchSdk.ChatLines(200), TestContext.Current.CancellationToken));
        Assert.Equal(413, tooLarge.Status);

        using var client = _gateway.Client();
        using var wrongPurpose = new MultipartFormDataContent { { new StringContent("fine-tune"), "purpose" }, { new ByteArrayContent("{}"u8.ToArray()), "file", "a.jsonl" } };
        var purpose = await client.PostAsync("/v1/files", wrongPurpose, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, purpose.StatusCode);
        Assert.Equal("purpose", (await Json.ReadObjectAsync(purpose))["error"]!["param"]!.GetValue<string>());

        var fileId = await BatchSdk.UploadAsync(files, BatchSdk.ChatLines(1), TestContext.Current.CancellationToken);
        foreach (var (body, param) in new[]
        {
            ($$"""{"input_file_id":"{{fileId}}","endpoint":"/v1/images","completion_window":"24h"}""", "endpoint"),
            ($$"""{"input_file_id":"{{fileId}}","endpoint":"/v1/chat/completions","completion_window":"forever"}""", "completion_window"),
            ($$"""{"input_file_id":"{{fileId}}","endpoint":"/v1/chat/completions","completion_window":"24h","colour":"red"}""", "colour"),
            ($$"""{"endpoint":"/v1/chat/completions","completion_window":"24h"}""", "input_file_id"),
        })
        {
            var response = await client.PostAsync("/v1/batches", Json.Body(body), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(param, (await Json.ReadObjectAsync(response))["error"]!["param"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Cancel_StopsTheBatch_WithinOneRequest_AndKeepsWhatFinished()
    {
        var files = BatchSdk.Files(_gateway.BaseAddress, "key-tiny");
        var fileId = await BatchSdk.UploadAsync(files, BatchSdk.ChatLines(20), TestContext.Current.CancellationToken);
        var operation = await BatchSdk.CreateAsync(BatchSdk.Batches(_gateway.BaseAddress, "key-tiny"), fileId);
        await BatchSdk.WaitAsync(operation, b => b["request_counts"]!["completed"]!.GetValue<int>() >= 2);

        await operation.CancelAsync(new System.ClientModel.Primitives.RequestOptions());
        var sentAtCancel = _upstream.Requests.Count;
        var batch = await BatchSdk.WaitAsync(operation, BatchSdk.Ended);

        Assert.Equal("cancelled", batch["status"]!.GetValue<string>());
        Assert.InRange(_upstream.Requests.Count, sentAtCancel, sentAtCancel + 1);
        var completed = batch["request_counts"]!["completed"]!.GetValue<int>();
        Assert.InRange(completed, 2, 19);
        var output = await BatchSdk.DownloadLinesAsync(files, batch["output_file_id"]!.GetValue<string>());
        Assert.Equal(completed, output.Count);
    }

    [Fact]
    public async Task Usage_ShowsTheTenantsBatches_WithTheirCarbon()
    {
        var files = BatchSdk.Files(_gateway.BaseAddress);
        var fileId = await BatchSdk.UploadAsync(files, BatchSdk.ChatLines(2), TestContext.Current.CancellationToken);
        var operation = await BatchSdk.CreateAsync(BatchSdk.Batches(_gateway.BaseAddress), fileId);
        await BatchSdk.WaitAsync(operation, BatchSdk.Ended);
        using var client = _gateway.Client();

        var usage = await Json.ReadObjectAsync(await client.GetAsync("/v1/usage", TestContext.Current.CancellationToken));

        var batch = usage["batches"]!.AsArray().Single(b => b!["id"]!.GetValue<string>() == operation.BatchId)!;
        Assert.Equal("completed", batch["status"]!.GetValue<string>());
        Assert.Equal(2, batch["completed"]!.GetValue<int>());
        Assert.True(batch["carbon_gco2e"]!.GetValue<double>() > 0);
        Assert.True(batch.AsObject().ContainsKey("counterfactual_gco2e"));
    }
}
