using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Accounting;
using GreenGateway.Cache;
using GreenGateway.Core.Cache;
using GreenGateway.Core.Energy;
using GreenGateway.Core.Requests;
using GreenGateway.Errors;

namespace GreenGateway.Proxy;

internal static partial class GatewayResponseTransform
{
    private static async Task RewriteJsonAsync(HttpContext http, GatewayExchange exchange, HttpResponseMessage response, EnergyAccountant accountant, long maxBytes, TimeSpan idle)
    {
        byte[] body;
        try
        {
            body = await ReadBoundedAsync(response.Content, maxBytes, idle, http.RequestAborted);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException || (e is OperationCanceledException && !http.RequestAborted.IsCancellationRequested))
        {
            exchange.UpstreamStatus = StatusCodes.Status502BadGateway;
            var why = e is OperationCanceledException ? "stopped sending its response" : e.Message;
            await OpenAiErrors.WriteAsync(http, StatusCodes.Status502BadGateway, $"The upstream '{exchange.Route.Upstream}' failed mid-response: {why}", "upstream_error", code: "upstream_failed");
            return;
        }

        JsonObject? root = null;
        try
        {
            root = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            // Not JSON after all: relayed as sent, priced from counted tokens.
        }

        var usage = ReadUsage(root?["usage"] as JsonObject) ?? CountUsage(exchange.Request, root);
        var figures = accountant.Price(exchange.Route, usage, ReportedJoules(response), exchange.Grid, exchange.Elapsed);
        exchange.Figures = figures;
        var cacheable = exchange.CacheQuery is not null && root is not null ? Cacheable(root, figures) : null;
        if (root is not null)
        {
            if (root["usage"] is not JsonObject usageNode)
            {
                usageNode = new JsonObject
                {
                    ["prompt_tokens"] = usage.PromptTokens,
                    ["completion_tokens"] = usage.CompletionTokens,
                    ["total_tokens"] = usage.TotalTokens,
                };
                root["usage"] = usageNode;
            }

            AddFigures(usageNode, figures);
            body = JsonSerializer.SerializeToUtf8Bytes(root);
        }

        WriteFigureHeaders(http.Response, figures);
        await http.RequestServices.GetRequiredService<ExchangeSettlement>().SettleAsync(exchange, exchange.UpstreamStatus!.Value);
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted);
        if (cacheable is not null)
        {
            http.RequestServices.GetRequiredService<CacheTier>().Remember(exchange.CacheQuery!, cacheable);
        }
    }

    /// <summary>What the cache keeps of a chat completion, or null when it should not be kept (no text, tool calls,
    /// filtered). An answer cut at max_tokens is kept: max_tokens is part of the partition, so it answers only the same limit.</summary>
    private static CachedAnswer? Cacheable(JsonObject root, RequestFigures figures)
    {
        var choice = root["choices"]?[0];
        var content = choice?["message"]?["content"];
        var finish = choice?["finish_reason"]?.GetValue<string>();
        if (content is not JsonValue text || text.GetValueKind() != JsonValueKind.String || text.GetValue<string>().Length == 0 || finish is not ("stop" or "length" or null))
        {
            return null;
        }

        return new CachedAnswer(root["model"]?.GetValue<string>() ?? "", text.GetValue<string>(), finish, root.ToJsonString(),
            figures.Usage.PromptTokens, figures.Usage.CompletionTokens, figures.Energy.Joules, figures.CarbonGrams);
    }

    private static void AddFigures(JsonObject usage, RequestFigures figures)
    {
        usage["energy_joules"] = figures.Energy.Joules;
        usage["carbon_gco2e"] = figures.CarbonGrams;
        usage["baseline_energy_joules"] = figures.BaselineJoules;
        usage["energy_method"] = figures.MethodName;
        usage["tier"] = GatewayExchange.UpstreamTier;
    }

    /// <summary>Token counts as the upstream reported them, or null when it reported none.</summary>
    private static TokenUsage? ReadUsage(JsonObject? usage)
    {
        if (usage is null || !TryInt(usage["prompt_tokens"], out var prompt))
        {
            return null;
        }

        TryInt(usage["completion_tokens"], out var completion);
        return new TokenUsage(prompt, completion, Counted: false);
    }

    private static bool TryInt(JsonNode? node, out int value)
    {
        value = 0;
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out value);
    }

    /// <summary>Counts tokens where the upstream gave none: the request's prompt estimate and the answer's text.</summary>
    private static TokenUsage CountUsage(OpenAiRequest request, JsonObject? root)
    {
        var completion = 0;
        if (root?["choices"] is JsonArray choices)
        {
            foreach (var choice in choices)
            {
                completion += Count(choice?["message"]?["content"]) + Count(choice?["text"]);
            }
        }

        return new TokenUsage(request.PromptTokenEstimate, completion, Counted: true);

        static int Count(JsonNode? node) =>
            node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? TokenEstimator.Estimate(v.GetValue<string>()) : 0;
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, long maxBytes, TimeSpan idle, CancellationToken aborted)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        await using var stream = await content.ReadAsStreamAsync(aborted);
        var buffer = new ArrayBufferWriter<byte>(content.Headers.ContentLength is { } n and > 0 and < 1 << 24 ? (int)n : 4096);
        while (true)
        {
            timeout.CancelAfter(idle);
            var read = await stream.ReadAsync(buffer.GetMemory(8192), timeout.Token);
            if (read == 0)
            {
                return buffer.WrittenSpan.ToArray();
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
            {
                throw new InvalidDataException($"the response is larger than Gateway.MaxResponseBodyBytes ({maxBytes} bytes)");
            }
        }
    }
}
