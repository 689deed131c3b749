using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Cli.Workloads;

namespace GreenGateway.Cli.Bench;

/// <summary>What a speculative answer reports in <c>usage.speculative</c>.</summary>
internal sealed record SpeculativeUsage(long Proposed, long Accepted, long VerifyCalls, double K);

/// <summary>One answer from the gateway, as the benchmark saw it.</summary>
internal sealed record BenchResponse
{
    public int Status { get; init; }

    public string? Content { get; init; }

    /// <summary><c>X-GG-Tier</c>, else <c>usage.tier</c>.</summary>
    public string? Tier { get; init; }

    public double EnergyJoules { get; init; }

    public double CarbonGrams { get; init; }

    public double BaselineJoules { get; init; }

    public int CompletionTokens { get; init; }

    public int PromptTokens { get; init; }

    /// <summary><c>usage.energy_method</c>: measured, upstream-reported or modelled.</summary>
    public string? EnergyMethod { get; init; }

    /// <summary><c>usage.baseline_method</c>: observed or modelled.</summary>
    public string? BaselineMethod { get; init; }

    public SpeculativeUsage? Speculative { get; init; }

    public double LatencyMs { get; init; }

    public string? Error { get; init; }

    public bool Ok => Status == 200 && Error is null;
}

/// <summary>Sends workload items to an OpenAI-compatible gateway as greedy chat completions and reads the energy it reports.</summary>
internal sealed class BenchClient(HttpClient http, Uri gateway, string key, string model, int maxTokens)
{
    /// <summary>Sends <paramref name="item"/>; with <paramref name="upstreamOnly"/> as <c>X-GG-Tiers: upstream</c> (the large model alone).</summary>
    public async Task<BenchResponse> SendAsync(WorkloadItem item, bool upstreamOnly, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray([.. item.Chat.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content })]),
            ["temperature"] = 0,
            ["max_tokens"] = maxTokens,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "v1/chat/completions"))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (upstreamOnly)
        {
            request.Headers.Add("X-GG-Tiers", "upstream");
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                return new BenchResponse { Status = (int)response.StatusCode, LatencyMs = latency, Error = Truncate(text) };
            }

            var headerTier = response.Headers.TryGetValues("X-GG-Tier", out var tiers) ? tiers.FirstOrDefault() : null;
            return Parse(text, headerTier, latency);
        }
        catch (HttpRequestException e)
        {
            return new BenchResponse { Status = 0, LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds, Error = e.Message };
        }
    }

    internal static BenchResponse Parse(string json, string? headerTier, double latencyMs)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            return new BenchResponse { Status = 200, LatencyMs = latencyMs, Error = "not JSON: " + e.Message };
        }

        var usage = root?["usage"];
        var speculative = usage?["speculative"] is JsonObject s
            ? new SpeculativeUsage(Long(s["proposed"]), Long(s["accepted"]), Long(s["verify_calls"]), Double(s["k"]))
            : null;
        return new BenchResponse
        {
            Status = 200,
            Content = root?["choices"]?[0]?["message"]?["content"]?.GetValue<string>() ?? "",
            Tier = headerTier ?? usage?["tier"]?.GetValue<string>(),
            EnergyJoules = Double(usage?["energy_joules"]),
            CarbonGrams = Double(usage?["carbon_gco2e"]),
            BaselineJoules = Double(usage?["baseline_energy_joules"]),
            CompletionTokens = (int)Long(usage?["completion_tokens"]),
            PromptTokens = (int)Long(usage?["prompt_tokens"]),
            EnergyMethod = usage?["energy_method"]?.GetValue<string>(),
            BaselineMethod = usage?["baseline_method"]?.GetValue<string>(),
            Speculative = speculative,
            LatencyMs = latencyMs,
        };
    }

    private static double Double(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? d : 0;

    private static long Long(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? (long)d : 0;

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "...";
}
