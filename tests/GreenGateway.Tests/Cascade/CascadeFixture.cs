using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Tests.Support;

namespace GreenGateway.Cascade.Tests;

/// <summary>
/// One gateway with the demo pair: the model host serving models/target in process (the large model, the
/// verifier) and models/draft in the gateway (tiers 2 and 3). Its tenants differ only in their cascade policy.
/// </summary>
public class CascadeFixture : IAsyncLifetime
{
    public const string Policies = """
        tenants:
          alpha:
            keys: ["{alpha}"]
            cascade:
              draft_confidence: { min_token_probability: 0.999 }
          beta:
            keys: ["{beta}"]
            cascade:
              tiers: [speculative, upstream]
              acceptance: cascade
              lenience: 1.0
          gamma:
            keys: ["{gamma}"]
            cascade:
              acceptance: sampling
              draft_confidence: { min_token_probability: 0.999 }
          saver:
            keys: ["{saver}"]
            cascade:
              draft_confidence: { min_token_probability: 0.0, max_mean_entropy: 100 }
          tiny:
            keys: ["{tiny}"]
            budgets:
              minute: { energy_wh: 0.000001 }
            on_exhausted: downgrade
          limited:
            keys: ["{limited}"]
            cascade:
              carbon_aware: { above_g_per_kwh: 100, tiers: [rules, cache, draft] }
          delta:
            keys: ["{delta}"]
            cascade:
              max_joules_per_request: 0.001
        """;

    private GatewayHost? _gateway;

    internal GatewayHost Gateway => _gateway!;

    public string OutcomeLog { get; } = Path.Combine(Path.GetTempPath(), $"gg-outcomes-{Guid.NewGuid():N}.jsonl");

    public async ValueTask InitializeAsync()
    {
        var port = Loopback.FreePort();
        var root = Repository.Root;
        _gateway = await GatewayHost.StartAsync([$"http://127.0.0.1:{port}/v1"], Policies, new Dictionary<string, string?>
        {
            ["ModelServer:Mode"] = "in-process",
            ["ModelServer:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["ModelServer:Model"] = Path.Combine(root, "models", "target"),
            ["Cascade:Draft:Model"] = Path.Combine(root, "models", "draft"),
            ["Cascade:Router:Model"] = "",

            // On these 2 CPU cores verifying k tokens costs about k decoded ones, so speculation rarely saves energy
            // and RequireSavings would send most requests to the large model; these tests are about the tiers themselves.
            ["Cascade:Speculative:RequireSavings"] = "false",

            // No request is sent to the large model alone to fit its counterfactual: these tests pick the tier they expect.
            ["Energy:Baseline:ProbeFraction"] = "0",
            ["Cascade:Router:OutcomeLog"] = OutcomeLog,
            ["Cache:Enabled"] = CacheEnabled ? "true" : "false",
        });
    }

    /// <summary>The semantic cache (in memory) is off here, so that repeated questions reach the tiers under test.</summary>
    protected virtual bool CacheEnabled => false;

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        File.Delete(OutcomeLog);
    }

    /// <summary>A chat completion for <paramref name="question"/>; the response and its parsed body.</summary>
    public async Task<(HttpResponseMessage Response, JsonObject Body)> AskAsync(string key, string question, string? tiers = null, string extra = "", double temperature = 0)
    {
        using var client = Gateway.Client(key);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body($$"""{"model":"target","temperature":{{temperature.ToString(CultureInfo.InvariantCulture)}},"max_tokens":48,"messages":[{"role":"user","content":{{JsonSerializer.Serialize(question)}}}]{{extra}}}"""),
        };
        if (tiers is not null)
        {
            request.Headers.Add("X-GG-Tiers", tiers);
        }

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response, JsonNode.Parse(text)!.AsObject());
    }

    /// <summary>A streamed chat completion: the response, the content of its deltas joined, and its usage chunk.</summary>
    public async Task<(HttpResponseMessage Response, string Content, JsonObject? Usage)> StreamAsync(string key, string question, string? tiers = null)
    {
        using var client = Gateway.Client(key);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body($$"""{"model":"target","temperature":0,"max_tokens":48,"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":{{JsonSerializer.Serialize(question)}}}]}"""),
        };
        if (tiers is not null)
        {
            request.Headers.Add("X-GG-Tiers", tiers);
        }

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var content = new System.Text.StringBuilder();
        JsonObject? usage = null;
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal))
            {
                continue;
            }

            var chunk = JsonNode.Parse(line["data: ".Length..])!.AsObject();
            if (chunk["usage"] is JsonObject u)
            {
                usage = u;
            }

            if (chunk["choices"] is JsonArray { Count: > 0 } choices && choices[0]!["delta"]?["content"] is JsonValue piece)
            {
                content.Append(piece.GetValue<string>());
            }
        }

        return (response, content.ToString(), usage);
    }

    public static string Content(JsonObject body) => body["choices"]![0]!["message"]!["content"]!.GetValue<string>();

    public static string Tier(HttpResponseMessage response) => response.Headers.TryGetValues("X-GG-Tier", out var tier)
        ? tier.Single()
        : throw new Xunit.Sdk.XunitException($"no X-GG-Tier: {(int)response.StatusCode} {response.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");

}
