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

        var site = LocateUsage(body);
        if (site.Kind == UsageSiteKind.Rewrite)
        {
            await RewriteWholeJsonAsync(http, exchange, response, accountant, body);
            return;
        }

        // The body is parsed (JsonDocument, pooled) only when its answer is needed: tokens to count, or a cache to fill.
        var needsDocument = site.Kind != UsageSiteKind.NotAnObject && (site.Reported is null || exchange.CacheQuery is not null);
        using var document = needsDocument ? JsonDocument.Parse(body) : null;
        var usage = site.Reported ?? CountUsage(exchange.Request, document?.RootElement);
        var figures = accountant.Price(exchange.Route, usage, ReportedJoules(response), exchange.Grid, exchange.Elapsed);
        exchange.Figures = figures;
        var cacheable = exchange.CacheQuery is not null && document is not null ? Cacheable(document.RootElement, body, figures) : null;

        WriteFigureHeaders(http.Response, figures);
        await http.RequestServices.GetRequiredService<ExchangeSettlement>().SettleAsync(exchange, exchange.UpstreamStatus!.Value);
        if (site.Kind == UsageSiteKind.NotAnObject)
        {
            http.Response.ContentLength = body.Length;
            await http.Response.Body.WriteAsync(body, http.RequestAborted);
        }
        else
        {
            WriteSpliced(http.Response, body, site, figures);
            await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
        }

        if (cacheable is not null)
        {
            http.RequestServices.GetRequiredService<CacheTier>().Remember(exchange.CacheQuery!, cacheable);
        }
    }

    /// <summary>
    /// The general path, for what the splice leaves alone (a body that already carries figures, two usage members):
    /// parse, set the figures in <c>usage</c>, serialize again.
    /// </summary>
    private static async Task RewriteWholeJsonAsync(HttpContext http, GatewayExchange exchange, HttpResponseMessage response, EnergyAccountant accountant, byte[] body)
    {
        JsonObject? root = null;
        try
        {
            root = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            // Not JSON after all: relayed as sent, priced from counted tokens.
        }

        var reported = ReadUsage(root?["usage"] as JsonObject);
        using var document = root is not null && (reported is null || exchange.CacheQuery is not null) ? JsonDocument.Parse(body) : null;
        var usage = reported ?? CountUsage(exchange.Request, document?.RootElement);
        var figures = accountant.Price(exchange.Route, usage, ReportedJoules(response), exchange.Grid, exchange.Elapsed);
        exchange.Figures = figures;
        var cacheable = exchange.CacheQuery is not null && document is not null ? Cacheable(document.RootElement, body, figures) : null;
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
    private static CachedAnswer? Cacheable(JsonElement root, byte[] body, RequestFigures figures)
    {
        if (!root.TryGetProperty("choices"u8, out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
        {
            return null;
        }

        var choice = choices[0];
        var content = choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("message"u8, out var message) && message.ValueKind == JsonValueKind.Object
            && message.TryGetProperty("content"u8, out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;
        string? finish = null;
        if (choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("finish_reason"u8, out var reason) && reason.ValueKind != JsonValueKind.Null)
        {
            finish = reason.ValueKind == JsonValueKind.String ? reason.GetString() : "";
        }

        if (string.IsNullOrEmpty(content) || finish is not ("stop" or "length" or null))
        {
            return null;
        }

        var model = root.TryGetProperty("model"u8, out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() ?? "" : "";

        // The upstream's own body, before the figures: the cache adds its own when it answers.
        return new CachedAnswer(model, content, finish, System.Text.Encoding.UTF8.GetString(body),
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
    private static TokenUsage CountUsage(OpenAiRequest request, JsonElement? root)
    {
        var completion = 0;
        if (root is { ValueKind: JsonValueKind.Object } body && body.TryGetProperty("choices"u8, out var choices) && choices.ValueKind == JsonValueKind.Array)
        {
            foreach (var choice in choices.EnumerateArray())
            {
                if (choice.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                if (choice.TryGetProperty("message"u8, out var message) && message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content"u8, out var content))
                {
                    completion += Count(content);
                }

                if (choice.TryGetProperty("text"u8, out var text))
                {
                    completion += Count(text);
                }
            }
        }

        return new TokenUsage(request.PromptTokenEstimate, completion, Counted: true);

        static int Count(JsonElement value) => value.ValueKind == JsonValueKind.String ? TokenEstimator.Estimate(value.GetString()!) : 0;
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, long maxBytes, TimeSpan idle, CancellationToken aborted)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        await using var stream = await content.ReadAsStreamAsync(aborted);
        if (content.Headers.ContentLength is { } length and >= 0 and < 1 << 24)
        {
            if (length > maxBytes)
            {
                throw new InvalidDataException($"the response is larger than Gateway.MaxResponseBodyBytes ({maxBytes} bytes)");
            }

            return await KnownLengthBody.ReadAsync(stream, length, () =>
            {
                timeout.CancelAfter(idle);
                return timeout.Token;
            });
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
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
