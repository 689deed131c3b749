using System.ClientModel;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using GreenGateway.Tests.Support;
using OpenAI;
using OpenAI.Chat;

namespace GreenGateway.Proxy.Tests;

/// <summary>The drop-in path: the official OpenAI SDK against the gateway in front of a real Kestrel upstream.</summary>
public sealed class ChatCompletionTests : IAsyncLifetime
{
    private FakeOpenAiUpstream _upstream = null!;
    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeOpenAiUpstream.StartAsync();
        _gateway = await GatewayHost.StartAsync([_upstream.BaseUrl]);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private ChatClient Sdk(string model, string key = "key-alpha") =>
        new(model, new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(_gateway.BaseAddress, "/v1") });

    [Fact]
    public async Task CompleteChat_WithOpenAiSdk_ReturnsUpstreamAnswerWithEnergyAndCarbon()
    {
        var result = await Sdk("echo-model").CompleteChatAsync([new UserChatMessage("Say hello")], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(FakeOpenAiUpstream.Answer, result.Value.Content[0].Text);
        Assert.Equal(FakeOpenAiUpstream.PromptTokens, result.Value.Usage.InputTokenCount);
        var headers = result.GetRawResponse().Headers;
        Assert.True(headers.TryGetValue("X-GG-Tier", out var tier));
        Assert.Equal("upstream", tier);
        Assert.True(headers.TryGetValue("X-GG-Energy-J", out var energy));
        Assert.True(headers.TryGetValue("X-GG-Carbon-g", out var carbon));
        Assert.True(headers.TryGetValue("X-GG-Baseline-Energy-J", out var baseline));

        // appsettings.json: llm-8b = 0.023 J/prompt token + 0.45 J/completion token, PUE 1.56, 473 g/kWh.
        var expected = ((FakeOpenAiUpstream.PromptTokens * 0.023) + (4 * 0.45)) * 1.56;
        Assert.Equal(expected, double.Parse(energy!, CultureInfo.InvariantCulture), 6);
        Assert.Equal(expected / 3.6e6 * 473, double.Parse(carbon!, CultureInfo.InvariantCulture), 9);
        Assert.Equal(energy, baseline);

        var body = JsonNode.Parse(result.GetRawResponse().Content.ToString())!;
        Assert.Equal(expected, body["usage"]!["energy_joules"]!.GetValue<double>(), 6);
        Assert.Equal(expected / 3.6e6 * 473, body["usage"]!["carbon_gco2e"]!.GetValue<double>(), 9);
        Assert.Equal(expected, body["usage"]!["baseline_energy_joules"]!.GetValue<double>(), 6);
    }

    [Fact]
    public async Task CompleteChat_IsChargedToTheTenant_AndShownInUsage()
    {
        using var client = _gateway.Client();
        Assert.Equal(0, await Json.ConsumedJoulesAsync(client));

        var response = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
        var charged = double.Parse(response.Headers.GetValues("X-GG-Energy-J").Single(), CultureInfo.InvariantCulture);

        Assert.True(charged > 0);
        Assert.Equal(charged, await Json.ConsumedJoulesAsync(client), 9);
        using var other = _gateway.Client("key-limited");
        Assert.Equal(0, await Json.ConsumedJoulesAsync(other));
    }

    [Fact]
    public async Task CompleteChatStreaming_WithOpenAiSdk_StreamsTheAnswerAndItsUsage()
    {
        var text = new System.Text.StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in Sdk("echo-model").CompleteChatStreamingAsync([new UserChatMessage("Say hello")], cancellationToken: TestContext.Current.CancellationToken))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
        }

        Assert.Equal(FakeOpenAiUpstream.Answer, text.ToString());
        Assert.NotNull(usage);
        Assert.Equal(FakeOpenAiUpstream.PromptTokens, usage.InputTokenCount);
        Assert.Equal(4, usage.OutputTokenCount);
    }

    [Fact]
    public async Task Streamed_And_NonStreamed_AreChargedTheSame()
    {
        using var client = _gateway.Client();
        await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
        var afterPlain = await Json.ConsumedJoulesAsync(client);

        var streamed = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model", stream: true)), TestContext.Current.CancellationToken);
        await streamed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var afterStream = await Json.ConsumedJoulesAsync(client);

        Assert.True(afterPlain > 0);
        Assert.Equal(afterPlain, afterStream - afterPlain, 9);
    }

    [Fact]
    public async Task Stream_WithoutIncludeUsage_GetsNoUsageChunk_ButIsStillCharged()
    {
        using var client = _gateway.Client();
        var response = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model", stream: true)), TestContext.Current.CancellationToken);
        var events = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("\"prompt_tokens\"", events, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", events, StringComparison.Ordinal);
        Assert.True(await Json.ConsumedJoulesAsync(client) > 0);

        // The upstream was asked for usage all the same: it is how a stream is priced.
        var sent = _upstream.Requests.Last().Body!;
        Assert.True(sent["stream_options"]!["include_usage"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Stream_WithIncludeUsage_CarriesEnergyInTheUsageChunk()
    {
        using var client = _gateway.Client();
        var response = await client.PostAsync("/v1/chat/completions",
            Json.Body(Json.Chat("echo-model", stream: true, extra: ",\"stream_options\":{\"include_usage\":true}")), TestContext.Current.CancellationToken);
        var events = (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))
            .Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        var usageChunk = JsonNode.Parse(events[^2]["data: ".Length..])!;
        Assert.Empty(usageChunk["choices"]!.AsArray());
        var usage = usageChunk["usage"]!;
        Assert.Equal(FakeOpenAiUpstream.PromptTokens, usage["prompt_tokens"]!.GetValue<int>());
        Assert.True(usage["energy_joules"]!.GetValue<double>() > 0);
        Assert.True(usage["carbon_gco2e"]!.GetValue<double>() > 0);
        Assert.Equal(usage["energy_joules"]!.GetValue<double>(), usage["baseline_energy_joules"]!.GetValue<double>());
        Assert.Equal(usage["energy_joules"]!.GetValue<double>(), await Json.ConsumedJoulesAsync(client), 9);
        Assert.Equal("data: [DONE]", events[^1]);
    }

    [Fact]
    public async Task UpstreamWithoutUsage_IsPricedFromCountedTokens()
    {
        using var client = _gateway.Client();
        var response = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("no-usage")), TestContext.Current.CancellationToken);
        var usage = (await Json.ReadObjectAsync(response))["usage"]!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(usage["prompt_tokens"]!.GetValue<int>() > 0);
        Assert.True(usage["completion_tokens"]!.GetValue<int>() > 0);
        Assert.True(usage["energy_joules"]!.GetValue<double>() > 0);

        var streamed = await client.PostAsync("/v1/chat/completions",
            Json.Body(Json.Chat("no-usage", stream: true, extra: ",\"stream_options\":{\"include_usage\":true}")), TestContext.Current.CancellationToken);
        var events = await streamed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("\"energy_joules\"", events, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", events, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamReportedEnergy_OverridesTheModel()
    {
        using var client = _gateway.Client();
        var response = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("reported-energy")), TestContext.Current.CancellationToken);

        // The upstream reports 10 J of IT energy; the gateway adds the facility overhead (PUE 1.56).
        Assert.Equal("15.6", response.Headers.GetValues("X-GG-Energy-J").Single());
        Assert.Equal("upstream-reported", response.Headers.GetValues("X-GG-Energy-Method").Single());
    }

    [Fact]
    public async Task TenantKey_IsNeverForwarded_AndModelsAreDiscovered()
    {
        using var client = _gateway.Client();
        var models = await Json.ReadObjectAsync(await client.GetAsync("/v1/models", TestContext.Current.CancellationToken));
        await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);

        Assert.Contains(models["data"]!.AsArray(), m => m!["id"]!.GetValue<string>() == "echo-model");
        Assert.All(_upstream.Requests, r => Assert.DoesNotContain("key-alpha", r.Authorization, StringComparison.Ordinal));
    }
}
