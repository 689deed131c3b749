using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Batch;
using OpenAI.Files;

namespace GreenGateway.Batches.Tests;

/// <summary>The official OpenAI .NET SDK's file and batch clients against a gateway, and the JSONL files they carry.</summary>
internal static class BatchSdk
{
    public static OpenAIFileClient Files(Uri gateway, string key = "key-alpha") =>
        new(new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(gateway, "/v1"), RetryPolicy = new ClientRetryPolicy(maxRetries: 0) });

    public static BatchClient Batches(Uri gateway, string key = "key-alpha") =>
        new(new ApiKeyCredential(key), new BatchClientOptions { Endpoint = new Uri(gateway, "/v1"), RetryPolicy = new ClientRetryPolicy(maxRetries: 0) });

    /// <summary><paramref name="count"/> chat requests for <paramref name="model"/>, custom ids <c>req-0</c>...</summary>
    public static string ChatLines(int count, string model = "echo-model", int start = 0)
    {
        var text = new StringBuilder();
        for (var i = start; i < start + count; i++)
        {
            text.Append("{\"custom_id\":\"req-" + i + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"" + model
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Question number " + i + "\"}],\"max_tokens\":16}}").Append('\n');
        }

        return text.ToString();
    }

    public static async Task<string> UploadAsync(OpenAIFileClient files, string jsonl, CancellationToken cancellationToken)
    {
        var file = await files.UploadFileAsync(BinaryData.FromString(jsonl), "batch.jsonl", FileUploadPurpose.Batch);
        return file.Value.Id;
    }

    public static async Task<CreateBatchOperation> CreateAsync(BatchClient batches, string fileId, string window = "24h", string endpoint = "/v1/chat/completions")
    {
        var body = new JsonObject
        {
            ["input_file_id"] = fileId,
            ["endpoint"] = endpoint,
            ["completion_window"] = window,
            ["metadata"] = new JsonObject { ["job"] = "nightly" },
        };
        return await batches.CreateBatchAsync(BinaryContent.Create(BinaryData.FromString(body.ToJsonString())), waitUntilCompleted: false);
    }

    public static async Task<JsonObject> GetAsync(CreateBatchOperation operation)
    {
        var result = await operation.GetBatchAsync(new RequestOptions());
        return (JsonObject)JsonNode.Parse(result.GetRawResponse().Content.ToString())!;
    }

    /// <summary>Polls the batch until <paramref name="done"/> holds, at most <paramref name="seconds"/>.</summary>
    public static async Task<JsonObject> WaitAsync(CreateBatchOperation operation, Func<JsonObject, bool> done, double seconds = 60)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var batch = await GetAsync(operation);
            if (done(batch))
            {
                return batch;
            }

            if (DateTime.UtcNow > until)
            {
                Assert.Fail("The batch did not get there in time: " + batch.ToJsonString());
            }

            await Task.Delay(100);
        }
    }

    public static bool Ended(JsonObject batch) => batch["status"]!.GetValue<string>() is "completed" or "failed" or "expired" or "cancelled";

    public static async Task<List<JsonObject>> DownloadLinesAsync(OpenAIFileClient files, string fileId)
    {
        var content = await files.DownloadFileAsync(fileId);
        return [.. content.Value.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => (JsonObject)JsonNode.Parse(line)!)];
    }
}
