using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.ModelHost.Tests.Support;

namespace GreenGateway.ModelHost.Api.Tests;

/// <summary>
/// Tool calls on a served model (Qwen2.5's template, so answers are read in the Hermes format): an answer that holds
/// no call is the same with tools offered as with tool_choice "none", streamed or not, and a malformed tool_choice is
/// a 400 in OpenAI's error format. (The calls themselves, on the formats' real renderings: ToolCallsTests.)
/// </summary>
public sealed class ToolCallServingTests
{
    private static readonly JsonNode Tools = JsonNode.Parse("""
        [{"type": "function", "function": {"name": "get_current_temperature", "description": "Get the current temperature.",
          "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}}]
        """)!;

    private static string Qwen25Dir()
    {
        var template = File.ReadAllText(ModelHostServer.RepositoryPath("tests", "GreenGateway.Inference.Tests", "Tokenization", "Fixtures", "chat-templates", "qwen2.5.jinja"));
        return ModelHostServer.DraftWithTokenizerConfig(JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["chat_template"] = template, ["bos_token"] = "<|endoftext|>", ["eos_token"] = "<|im_end|>",
        }));
    }

    private static JsonObject Body(string? toolChoice, bool stream = false)
    {
        var body = new JsonObject
        {
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "What is the temperature in Paris?" }),
            ["tools"] = Tools.DeepClone(),
            ["max_tokens"] = 16,
            ["temperature"] = 0,
            ["stream"] = stream,
        };
        if (toolChoice is not null)
        {
            body["tool_choice"] = toolChoice;
        }

        return body;
    }

    [Fact]
    public async Task An_answer_without_a_call_is_unchanged_by_the_tools_streamed_or_not()
    {
        var dir = Qwen25Dir();
        try
        {
            await using var server = await ModelHostServer.StartAsync(dir);
            var (plainResponse, plain) = await server.PostAsync("/v1/chat/completions", Body("none"));
            var (toolsResponse, tools) = await server.PostAsync("/v1/chat/completions", Body("auto"));

            Assert.Equal(HttpStatusCode.OK, plainResponse.StatusCode);
            Assert.Equal(HttpStatusCode.OK, toolsResponse.StatusCode);
            var message = tools["choices"]![0]!["message"]!;
            Assert.Null(message["tool_calls"]);
            var content = message["content"]!.GetValue<string>();
            Assert.DoesNotContain("<tool_call>", content, StringComparison.Ordinal);
            Assert.Equal(plain["choices"]![0]!["message"]!["content"]!.GetValue<string>(), content);
            Assert.Equal(plain["choices"]![0]!["finish_reason"]!.GetValue<string>(), tools["choices"]![0]!["finish_reason"]!.GetValue<string>());
            Assert.NotEqual("tool_calls", tools["choices"]![0]!["finish_reason"]!.GetValue<string>());

            using var client = server.Client();
            using var streamed = await client.PostAsync("/v1/chat/completions",
                new StringContent(Body("auto", stream: true).ToJsonString(), Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
            var sse = await streamed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            var chunks = sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Where(static e => e != "data: [DONE]")
                .Select(static e => JsonNode.Parse(e["data: ".Length..])!).ToList();
            var text = string.Concat(chunks.Select(static c => c["choices"]![0]!["delta"]!["content"]?.GetValue<string>() ?? ""));
            Assert.Equal(content, text);
            Assert.DoesNotContain(chunks, static c => c["choices"]![0]!["delta"]!["tool_calls"] is not null);
            Assert.Equal(tools["choices"]![0]!["finish_reason"]!.GetValue<string>(), chunks[^1]["choices"]![0]!["finish_reason"]!.GetValue<string>());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("\"sometimes\"")]
    [InlineData("{\"type\": \"function\"}")]
    [InlineData("3")]
    public async Task A_malformed_tool_choice_is_a_400_naming_it(string toolChoice)
    {
        await using var server = await ModelHostServer.StartAsync("draft");
        var body = Body(null);
        body["tool_choice"] = JsonNode.Parse(toolChoice);

        var (response, error) = await server.PostAsync("/v1/chat/completions", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("tool_choice", error["error"]!["param"]!.GetValue<string>());
        Assert.Contains("tool_choice must be", error["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
