using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.Json.Nodes;
using GreenGateway.Tests.Support;
using OpenAI.Responses;

namespace GreenGateway.Responses.Tests;

/// <summary>
/// An upstream that serves the Responses API itself (<c>Upstreams:main:ServesResponses</c>): requests go to its
/// <c>/v1/responses</c>, its answer reaches the client as sent with the gateway's figures in <c>usage</c>, priced from its
/// input_tokens and output_tokens; the gateway, not the upstream, keeps the conversation.
/// </summary>
public sealed class NativeResponsesTests : IAsyncLifetime
{
    /// <summary>appsettings.json: llm-8b = 0.023 J/prompt token + 0.45 J/completion token, PUE 1.56.</summary>
    private const double ExpectedJoules = ((FakeOpenAiUpstream.PromptTokens * 0.023) + (4 * 0.45)) * 1.56;

    private FakeOpenAiUpstream _upstream = null!;
    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeOpenAiUpstream.StartAsync();
        _gateway = await GatewayHost.StartAsync([_upstream.BaseUrl], settings: new Dictionary<string, string?> { ["Upstreams:main:ServesResponses"] = "true" });
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private ResponsesClient Sdk() =>
        new(new ApiKeyCredential("key-alpha"), new ResponsesClientOptions { Endpoint = new Uri(_gateway.BaseAddress, "/v1"), RetryPolicy = new ClientRetryPolicy(maxRetries: 0) });

    [Fact]
    public async Task CreateResponse_IsForwardedToTheUpstreamsResponsesApi_AndPricedFromItsUsage()
    {
        var result = await Sdk().CreateResponseAsync("echo-model", "Say hello to the gateway", null, TestContext.Current.CancellationToken);

        Assert.Equal(FakeOpenAiUpstream.Answer, result.Value.GetOutputText());
        Assert.StartsWith("resp_up", result.Value.Id, StringComparison.Ordinal);
        Assert.Equal(FakeOpenAiUpstream.PromptTokens, result.Value.Usage.InputTokenCount);
        Assert.Equal(ExpectedJoules, result.Value.Usage.Patch.GetDouble("$.energy_joules"u8), 6);
        Assert.True(result.GetRawResponse().Headers.TryGetValue("X-GG-Energy-J", out var energy));
        Assert.Equal(ExpectedJoules, double.Parse(energy!, CultureInfo.InvariantCulture), 6);

        var forwarded = Assert.Single(_upstream.Requests);
        Assert.Equal("/v1/responses", forwarded.Path);
        Assert.False(forwarded.Body!["store"]!.GetValue<bool>());
        Assert.Equal(ExpectedJoules, await Json.ConsumedJoulesAsync(_gateway.Client()), 6);
    }

    [Fact]
    public async Task CreateResponseStreaming_RelaysTheUpstreamsEvents_WithFiguresInTheCompletedUsage()
    {
        var updates = await (await Sdk().CreateResponseStreamingAsync("echo-model", "Say hello to the gateway", null, TestContext.Current.CancellationToken)).ToListAsync(TestContext.Current.CancellationToken);

        Assert.Equal(FakeOpenAiUpstream.Answer, string.Concat(updates.OfType<StreamingResponseOutputTextDeltaUpdate>().Select(u => u.Delta)));
        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]);
        Assert.StartsWith("resp_up", completed.Response.Id, StringComparison.Ordinal);
        Assert.Equal(FakeOpenAiUpstream.PromptTokens, completed.Response.Usage.InputTokenCount);
        Assert.Equal(ExpectedJoules, completed.Response.Usage.Patch.GetDouble("$.energy_joules"u8), 6);
        Assert.Equal(ExpectedJoules, await Json.ConsumedJoulesAsync(_gateway.Client()), 6);

        // The streamed response was stored as it completed, figures and all.
        var stored = (await Sdk().GetResponseAsync(completed.Response.Id, TestContext.Current.CancellationToken)).Value;
        Assert.Equal(FakeOpenAiUpstream.Answer, stored.GetOutputText());
        Assert.Equal(ExpectedJoules, stored.Usage.Patch.GetDouble("$.energy_joules"u8), 6);
    }

    [Fact]
    public async Task PreviousResponseId_SendsTheWholeConversation_NotTheId()
    {
        var first = (await Sdk().CreateResponseAsync("echo-model", "My name is Ada.", null, TestContext.Current.CancellationToken)).Value;

        var second = (await Sdk().CreateResponseAsync("echo-model", "What is my name?", first.Id, TestContext.Current.CancellationToken)).Value;

        Assert.Equal(FakeOpenAiUpstream.Answer, second.GetOutputText());
        var body = _upstream.Requests.Last().Body!;
        Assert.Null(body["previous_response_id"]);
        var input = body["input"]!.AsArray();
        Assert.Equal(["user", "assistant", "user"], input.Select(i => i!["role"]!.GetValue<string>()));
        Assert.Contains("My name is Ada.", input[0]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains(FakeOpenAiUpstream.Answer, input[1]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tools_PassThroughUntouched_AndTheUpstreamsFunctionCallComesBack()
    {
        using var client = _gateway.Client();
        const string tools = """[{"type":"function","name":"get_weather","parameters":{"type":"object"}},{"type":"web_search_preview"}]""";

        var response = await Json.ReadObjectAsync(await client.PostAsync("/v1/responses",
            Json.Body($$"""{"model":"tool-caller","input":"Weather in Paris?","tools":{{tools}}}"""), TestContext.Current.CancellationToken));

        Assert.Equal(JsonNode.Parse(tools)!.ToJsonString(), _upstream.Requests.Last().Body!["tools"]!.ToJsonString());
        var call = Assert.Single(response["output"]!.AsArray())!;
        Assert.Equal("function_call", call["type"]!.GetValue<string>());
        Assert.Equal("call_up1", call["call_id"]!.GetValue<string>());
        Assert.Equal("{\"city\":\"Paris\"}", call["arguments"]!.GetValue<string>());
        Assert.True(response["usage"]!["energy_joules"]!.GetValue<double>() > 0);
    }

    [Fact]
    public async Task ABrokenStream_EndsWithTheErrorEvent_AndIsChargedWhatItDelivered()
    {
        using var client = _gateway.Client();

        var response = await client.PostAsync("/v1/responses", Json.Body("""{"model":"stream-break","input":"Say hello","stream":true}"""), TestContext.Current.CancellationToken);
        var events = Sse.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal(2, events.Count(e => e.Name == "response.output_text.delta"));
        Assert.Equal("error", events[^1].Name);
        Assert.Equal("upstream_failed", events[^1].Data["code"]!.GetValue<string>());
        Assert.True(await Json.ConsumedJoulesAsync(client) > 0);
    }
}
