using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using GreenGateway.Tests.Support;
using OpenAI.Responses;

namespace GreenGateway.Responses.Tests;

/// <summary>
/// <c>POST /v1/responses</c> with the official OpenAI SDK's <see cref="ResponsesClient"/>, against the gateway in front of
/// a real Kestrel upstream that serves only chat completions: the request is translated, accounted like a chat
/// completion, and answered in the Responses API's shape with the same figures.
/// </summary>
public sealed class ResponsesApiTests : IAsyncLifetime
{
    // One request costs about 3.2 J here (11 prompt and 4 completion tokens); a day's budget of 0.001 Wh (3.6 J) admits two.
    private const string Policies = """
        tenants:
          alpha:
            keys: ["{alpha}"]
          beta:
            keys: ["{beta}"]
          tiny:
            keys: ["{tiny}"]
            budgets:
              day: { energy_wh: 0.001 }
        """;

    /// <summary>appsettings.json: llm-8b = 0.023 J/prompt token + 0.45 J/completion token, PUE 1.56.</summary>
    private const double ExpectedJoules = ((FakeOpenAiUpstream.PromptTokens * 0.023) + (4 * 0.45)) * 1.56;

    private FakeOpenAiUpstream _upstream = null!;
    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeOpenAiUpstream.StartAsync();
        _gateway = await GatewayHost.StartAsync([_upstream.BaseUrl], Policies);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    /// <summary>The SDK's client, without its retries: a 429 is what these tests look for, not something to wait out.</summary>
    private ResponsesClient Sdk(string key = "key-alpha") =>
        new(new ApiKeyCredential(key), new ResponsesClientOptions { Endpoint = new Uri(_gateway.BaseAddress, "/v1"), RetryPolicy = new ClientRetryPolicy(maxRetries: 0) });

    [Fact]
    public async Task CreateResponse_WithOpenAiSdk_IsTranslatedToChat_AndAnsweredWithTheFigures()
    {
        var result = await Sdk().CreateResponseAsync("echo-model", "Say hello to the gateway", null, TestContext.Current.CancellationToken);

        var response = result.Value;
        Assert.Equal(FakeOpenAiUpstream.Answer, response.GetOutputText());
        Assert.Equal(ResponseStatus.Completed, response.Status);
        Assert.StartsWith("resp_", response.Id, StringComparison.Ordinal);
        Assert.Equal(FakeOpenAiUpstream.PromptTokens, response.Usage.InputTokenCount);
        Assert.Equal(4, response.Usage.OutputTokenCount);

        var headers = result.GetRawResponse().Headers;
        Assert.True(headers.TryGetValue("X-GG-Tier", out var tier));
        Assert.Equal("upstream", tier);
        Assert.True(headers.TryGetValue("X-GG-Energy-J", out var energy));
        Assert.Equal(ExpectedJoules, double.Parse(energy!, CultureInfo.InvariantCulture), 6);
        var usage = JsonNode.Parse(result.GetRawResponse().Content.ToString())!["usage"]!;
        Assert.Equal(ExpectedJoules, usage["energy_joules"]!.GetValue<double>(), 6);
        Assert.Equal(ExpectedJoules / 3.6e6 * 473, usage["carbon_gco2e"]!.GetValue<double>(), 9);
        Assert.Equal(ExpectedJoules, usage["baseline_energy_joules"]!.GetValue<double>(), 6);
        Assert.Equal("modelled", usage["energy_method"]!.GetValue<string>());
        Assert.Equal("modelled", usage["baseline_method"]!.GetValue<string>());

        var forwarded = Assert.Single(_upstream.Requests);
        Assert.Equal("/v1/chat/completions", forwarded.Path);
        var message = Assert.Single(forwarded.Body!["messages"]!.AsArray())!;
        Assert.Equal("user", message["role"]!.GetValue<string>());
        Assert.Contains("Say hello to the gateway", message["content"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(ExpectedJoules, await Json.ConsumedJoulesAsync(_gateway.Client()), 6);
    }

    [Fact]
    public async Task CreateResponseStreaming_WithOpenAiSdk_StreamsTheDeltas_AndCompletesWithUsageAndFigures()
    {
        var updates = await (await Sdk().CreateResponseStreamingAsync("echo-model", "Say hello to the gateway", null, TestContext.Current.CancellationToken)).ToListAsync(TestContext.Current.CancellationToken);

        Assert.IsType<StreamingResponseCreatedUpdate>(updates[0]);
        var text = string.Concat(updates.OfType<StreamingResponseOutputTextDeltaUpdate>().Select(u => u.Delta));
        Assert.Equal(FakeOpenAiUpstream.Answer, text);
        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]);
        Assert.Equal(FakeOpenAiUpstream.Answer, completed.Response.GetOutputText());
        Assert.Equal(FakeOpenAiUpstream.PromptTokens, completed.Response.Usage.InputTokenCount);
        Assert.Equal(4, completed.Response.Usage.OutputTokenCount);
        Assert.Equal(ExpectedJoules, completed.Response.Usage.Patch.GetDouble("$.energy_joules"u8), 6);
        Assert.Equal("upstream", completed.Response.Usage.Patch.GetString("$.tier"u8));

        var forwarded = Assert.Single(_upstream.Requests);
        Assert.Equal("/v1/chat/completions", forwarded.Path);
        Assert.True(forwarded.Body!["stream_options"]!["include_usage"]!.GetValue<bool>());
        Assert.Equal(ExpectedJoules, await Json.ConsumedJoulesAsync(_gateway.Client()), 6);
    }

    [Fact]
    public async Task Stream_IsEventsInOrder_EachNamedAndNumbered()
    {
        using var client = _gateway.Client();

        var response = await client.PostAsync("/v1/responses", Json.Body("""{"model":"echo-model","input":"Say hello","stream":true}"""), TestContext.Current.CancellationToken);
        var events = Sse.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(
            ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
             "response.output_text.delta", "response.output_text.delta", "response.output_text.delta", "response.output_text.delta",
             "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"],
            events.Select(e => e.Name));
        Assert.All(events, e => Assert.Equal(e.Name, e.Data["type"]!.GetValue<string>()));
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.Data["sequence_number"]!.GetValue<int>()));
        Assert.Equal(FakeOpenAiUpstream.Answer, events[8].Data["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task ABrokenStream_EndsWithTheErrorEvent_AndIsChargedWhatItDelivered()
    {
        using var client = _gateway.Client();

        var response = await client.PostAsync("/v1/responses", Json.Body("""{"model":"stream-break","input":"Say hello","stream":true}"""), TestContext.Current.CancellationToken);
        var events = Sse.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal(2, events.Count(e => e.Name == "response.output_text.delta"));
        Assert.Equal(["error", "response.failed"], events[^2..].Select(e => e.Name));
        Assert.Equal("upstream_failed", events[^2].Data["code"]!.GetValue<string>());
        Assert.DoesNotContain(events, e => e.Name == "response.completed");
        var failed = events[^1].Data["response"]!;
        Assert.Equal("failed", failed["status"]!.GetValue<string>());
        Assert.True(failed["usage"]!["energy_joules"]!.GetValue<double>() > 0);
        Assert.Equal(failed["usage"]!["energy_joules"]!.GetValue<double>(), await Json.ConsumedJoulesAsync(client), 9);
    }

    [Fact]
    public async Task ArithmeticQuestion_IsAnsweredByTheRulesTier_InTheResponsesShape()
    {
        var result = await Sdk().CreateResponseAsync("echo-model", "What is (3.5 + 2) * 4?", null, TestContext.Current.CancellationToken);

        Assert.Equal("22", result.Value.GetOutputText());
        Assert.True(result.GetRawResponse().Headers.TryGetValue("X-GG-Tier", out var tier));
        Assert.Equal("rules", tier);
        Assert.Equal("rules", result.Value.Usage.Patch.GetString("$.tier"u8));
        Assert.Empty(_upstream.Requests);

        var streamed = await (await Sdk().CreateResponseStreamingAsync("echo-model", "What is (3.5 + 2) * 4?", null, TestContext.Current.CancellationToken)).ToListAsync(TestContext.Current.CancellationToken);

        Assert.Equal("22", string.Concat(streamed.OfType<StreamingResponseOutputTextDeltaUpdate>().Select(u => u.Delta)));
        Assert.Equal("rules", Assert.IsType<StreamingResponseCompletedUpdate>(streamed[^1]).Response.Usage.Patch.GetString("$.tier"u8));
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task SpentBudget_IsRefusedWith429_AsForChat()
    {
        var sdk = Sdk("key-tiny");
        await sdk.CreateResponseAsync("echo-model", "Say hello", null, TestContext.Current.CancellationToken);
        await sdk.CreateResponseAsync("echo-model", "Say hello", null, TestContext.Current.CancellationToken);

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => sdk.CreateResponseAsync("echo-model", "Say hello", null, TestContext.Current.CancellationToken));

        Assert.Equal(429, refused.Status);
        Assert.Contains("budget_exhausted", refused.GetRawResponse()!.Content.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, _upstream.Requests.Count);
    }

    [Fact]
    public async Task PreviousResponseId_ContinuesTheConversation_AndTheStoredResponseCanBeFetchedAndDeleted()
    {
        var sdk = Sdk();
        var first = (await sdk.CreateResponseAsync("echo-model", "My name is Ada.", null, TestContext.Current.CancellationToken)).Value;

        var second = (await sdk.CreateResponseAsync("echo-model", "What is my name?", first.Id, TestContext.Current.CancellationToken)).Value;

        Assert.Equal(first.Id, second.PreviousResponseId);
        var messages = _upstream.Requests.Last().Body!["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "user"], messages.Select(m => m!["role"]!.GetValue<string>()));
        Assert.Contains("My name is Ada.", messages[0]!["content"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains(FakeOpenAiUpstream.Answer, messages[1]!["content"]!.ToJsonString(), StringComparison.Ordinal);

        var fetched = (await sdk.GetResponseAsync(second.Id, TestContext.Current.CancellationToken)).Value;
        Assert.Equal(second.Id, fetched.Id);
        Assert.Equal(FakeOpenAiUpstream.Answer, fetched.GetOutputText());
        Assert.Equal(second.Usage.InputTokenCount, fetched.Usage.InputTokenCount);

        var items = await sdk.GetResponseInputItemsAsync(second.Id, TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(3, items.Count);
        Assert.Equal("What is my name?", Assert.IsAssignableFrom<MessageResponseItem>(items[0]).Content[0].Text);
        Assert.Equal("My name is Ada.", Assert.IsAssignableFrom<MessageResponseItem>(items[2]).Content[0].Text);

        var deleted = (await sdk.DeleteResponseAsync(first.Id, TestContext.Current.CancellationToken)).Value;
        Assert.True(deleted.Deleted);
        var gone = await Assert.ThrowsAsync<ClientResultException>(() => sdk.GetResponseAsync(first.Id, TestContext.Current.CancellationToken));
        Assert.Equal(404, gone.Status);
        var cannotContinue = await Assert.ThrowsAsync<ClientResultException>(() => sdk.CreateResponseAsync("echo-model", "Again?", first.Id, TestContext.Current.CancellationToken));
        Assert.Equal(404, cannotContinue.Status);
    }

    [Fact]
    public async Task AnotherTenant_CannotRead_Continue_OrDelete_AStoredResponse()
    {
        var owner = Sdk();
        var stored = (await owner.CreateResponseAsync("echo-model", "A secret for alpha only.", null, TestContext.Current.CancellationToken)).Value;
        var other = Sdk("key-beta");

        var read = await Assert.ThrowsAsync<ClientResultException>(() => other.GetResponseAsync(stored.Id, TestContext.Current.CancellationToken));
        var continued = await Assert.ThrowsAsync<ClientResultException>(() => other.CreateResponseAsync("echo-model", "What was it?", stored.Id, TestContext.Current.CancellationToken));
        var deleted = await Assert.ThrowsAsync<ClientResultException>(() => other.DeleteResponseAsync(stored.Id, TestContext.Current.CancellationToken));
        using var raw = _gateway.Client("key-beta");
        var items = await raw.GetAsync($"/v1/responses/{stored.Id}/input_items", TestContext.Current.CancellationToken);

        Assert.Equal([404, 404, 404], new[] { read.Status, continued.Status, deleted.Status });
        Assert.Equal(HttpStatusCode.NotFound, items.StatusCode);
        Assert.Equal("response_not_found", (await Json.ReadObjectAsync(items))["error"]!["code"]!.GetValue<string>());
        Assert.Single(_upstream.Requests);
        Assert.Equal(stored.Id, (await owner.GetResponseAsync(stored.Id, TestContext.Current.CancellationToken)).Value.Id);
    }

    [Fact]
    public async Task StoreFalse_LeavesNothingToFetch()
    {
        using var client = _gateway.Client();

        var response = await Json.ReadObjectAsync(await client.PostAsync("/v1/responses",
            Json.Body("""{"model":"echo-model","input":"Say hello","store":false}"""), TestContext.Current.CancellationToken));
        var fetched = await client.GetAsync($"/v1/responses/{response["id"]!.GetValue<string>()}", TestContext.Current.CancellationToken);

        Assert.False(response["store"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.NotFound, fetched.StatusCode);
    }

    [Fact]
    public async Task FunctionTools_AreTranslatedToChat_AndTheCallComesBackAsAFunctionCallItem()
    {
        using var client = _gateway.Client();
        const string tools = """[{"type":"function","name":"get_weather","description":"Weather by city","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]""";

        var response = await Json.ReadObjectAsync(await client.PostAsync("/v1/responses",
            Json.Body($$"""{"model":"tool-caller","input":"Weather in Paris?","tools":{{tools}},"tool_choice":"auto"}"""), TestContext.Current.CancellationToken));

        var call = Assert.Single(response["output"]!.AsArray())!;
        Assert.Equal("function_call", call["type"]!.GetValue<string>());
        Assert.Equal("get_weather", call["name"]!.GetValue<string>());
        Assert.Equal("{\"city\":\"Paris\"}", call["arguments"]!.GetValue<string>());
        Assert.Equal("call_1", call["call_id"]!.GetValue<string>());
        var chatTool = Assert.Single(_upstream.Requests.Last().Body!["tools"]!.AsArray())!;
        Assert.Equal("get_weather", chatTool["function"]!["name"]!.GetValue<string>());
        Assert.Equal("object", chatTool["function"]!["parameters"]!["type"]!.GetValue<string>());

        // The tool's output continues the conversation: the upstream sees the call and its result as chat messages.
        var followUp = $$"""{"model":"echo-model","previous_response_id":"{{response["id"]}}","input":[{"type":"function_call_output","call_id":"call_1","output":"18 C, sunny"}]}""";
        var answered = await client.PostAsync("/v1/responses", Json.Body(followUp), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        var messages = _upstream.Requests.Last().Body!["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "tool"], messages.Select(m => m!["role"]!.GetValue<string>()));
        Assert.Equal("get_weather", messages[1]!["tool_calls"]![0]!["function"]!["name"]!.GetValue<string>());
        Assert.Equal("call_1", messages[2]!["tool_call_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task StreamedFunctionCall_IsAssembledFromItsDeltas()
    {
        using var client = _gateway.Client();

        var response = await client.PostAsync("/v1/responses", Json.Body(
            """{"model":"tool-caller","input":"Weather?","stream":true,"tools":[{"type":"function","name":"get_weather"}]}"""), TestContext.Current.CancellationToken);
        var events = Sse.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        var item = events.Single(e => e.Name == "response.output_item.done").Data["item"]!;
        Assert.Equal("function_call", item["type"]!.GetValue<string>());
        Assert.Equal("{\"city\":\"Paris\"}", item["arguments"]!.GetValue<string>());
        Assert.Equal("response.completed", events[^1].Name);
        Assert.Equal("function_call", Assert.Single(events[^1].Data["response"]!["output"]!.AsArray())!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task BuiltInTool_ForAChatOnlyUpstream_Is400_AndChargesNothing()
    {
        using var client = _gateway.Client();

        var response = await client.PostAsync("/v1/responses", Json.Body("""{"model":"echo-model","input":"News?","tools":[{"type":"web_search_preview"}]}"""),
            TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("tools[0].type", (await Json.ReadObjectAsync(response))["error"]!["param"]!.GetValue<string>());
        Assert.Empty(_upstream.Requests);
        Assert.Equal(0, await Json.ConsumedJoulesAsync(client));
    }

    public static TheoryData<string, string> InvalidBodies => new()
    {
        { """{"model":"echo-model"}""", "input" },
        { """{"model":"echo-model","input":[]}""", "input" },
        { """{"model":"echo-model","input":[{"role":"wizard","content":"hi"}]}""", "input[0].role" },
        { """{"model":"echo-model","input":[{"role":"user","content":[{"type":"input_text","text":5}]}]}""", "input[0].content[0].text" },
        { """{"model":"echo-model","input":[{"type":"reasoning","summary":[]}]}""", "input[0].type" },
        { """{"model":"echo-model","input":"hi","max_output_tokens":-1}""", "max_output_tokens" },
        { """{"model":"echo-model","input":"hi","metadata":{"k":1}}""", "metadata.k" },
        { """{"model":"echo-model","input":"hi","background":true}""", "background" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task InvalidBody_Is400NamingTheField(string body, string param)
    {
        using var client = _gateway.Client();

        var response = await client.PostAsync("/v1/responses", Json.Body(body), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(param, (await Json.ReadObjectAsync(response))["error"]!["param"]!.GetValue<string>());
        Assert.Empty(_upstream.Requests);
    }
}
