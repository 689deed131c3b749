using System.ClientModel;
using System.Globalization;
using System.Text.Json.Nodes;
using GreenGateway.Tests.Support;
using OpenAI;
using OpenAI.Chat;

namespace GreenGateway.Rules.Tests;

/// <summary>Tier 0 in the gateway: exact answers without a model, through the OpenAI SDK.</summary>
public sealed class RulesTierTests : IAsyncLifetime
{
    private const string Policies = """
        rules:
          - name: support-hours
            pattern: "(?i)^when is support open\\??$"
            answer: "Support is open 9:00-17:00 CET."
            tenants: ["alpha"]
        tenants:
          alpha:
            keys: ["{alpha}"]
            timezone: Europe/Berlin
          beta:
            keys: ["{beta}"]
            builtin_rules: []
        """;

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

    private int UpstreamCalls => _upstream.Requests.Count(r => r.Path == "/v1/chat/completions");

    private ChatClient Sdk(string key = "key-alpha") =>
        new("echo-model", new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(_gateway.BaseAddress, "/v1") });

    [Fact]
    public async Task Arithmetic_IsAnsweredExactly_WithoutTheModel()
    {
        var result = await Sdk().CompleteChatAsync([new UserChatMessage("What is (3.5 + 2) * 4?")], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("22", result.Value.Content[0].Text);
        var headers = result.GetRawResponse().Headers;
        Assert.True(headers.TryGetValue("X-GG-Tier", out var tier));
        Assert.Equal("rules", tier);
        Assert.True(headers.TryGetValue("X-GG-Rule", out var rule));
        Assert.Equal("arithmetic", rule);
        var usage = JsonNode.Parse(result.GetRawResponse().Content.ToString())!["usage"]!;
        Assert.InRange(usage["energy_joules"]!.GetValue<double>(), double.Epsilon, usage["baseline_energy_joules"]!.GetValue<double>() / 10);
        Assert.Equal(0, UpstreamCalls);
    }

    [Fact]
    public async Task RuleAnswer_IsStreamed_WhenTheClientStreams()
    {
        var text = new System.Text.StringBuilder();
        await foreach (var update in Sdk().CompleteChatStreamingAsync([new UserChatMessage("convert 0 celsius to kelvin")], cancellationToken: TestContext.Current.CancellationToken))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.Equal("0 °C = 273.15 K", text.ToString());
        Assert.Equal(0, UpstreamCalls);
    }

    [Fact]
    public async Task PolicyRule_AnswersForItsTenants_AndOthersGoUpstream()
    {
        var alpha = await Sdk("key-alpha").CompleteChatAsync([new UserChatMessage("When is support open?")], cancellationToken: TestContext.Current.CancellationToken);
        var beta = await Sdk("key-beta").CompleteChatAsync([new UserChatMessage("When is support open?")], cancellationToken: TestContext.Current.CancellationToken);
        var betaMath = await Sdk("key-beta").CompleteChatAsync([new UserChatMessage("What is 2+2?")], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Support is open 9:00-17:00 CET.", alpha.Value.Content[0].Text);
        Assert.Equal(FakeOpenAiUpstream.Answer, beta.Value.Content[0].Text);
        Assert.Equal(FakeOpenAiUpstream.Answer, betaMath.Value.Content[0].Text);
        Assert.Equal(2, UpstreamCalls);
    }

    [Fact]
    public async Task RuleAnswers_AreCharged_AndTiersHeaderCanSkipThem()
    {
        using var client = _gateway.Client();
        var ruled = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model").Replace("Say hello to the gateway", "what is 6*7", StringComparison.Ordinal)), TestContext.Current.CancellationToken);
        var charged = double.Parse(ruled.Headers.GetValues("X-GG-Energy-J").Single(), CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body(Json.Chat("echo-model").Replace("Say hello to the gateway", "what is 6*7", StringComparison.Ordinal)),
        };
        request.Headers.Add("X-GG-Tiers", "cache, upstream");
        var skipped = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal("42", (await Json.ReadObjectAsync(ruled))["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.True(charged > 0);
        Assert.Equal("upstream", skipped.Headers.GetValues("X-GG-Tier").Single());
        Assert.Equal(1, UpstreamCalls);
    }
}
