using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Accounting;

namespace GreenGateway.Proxy;

/// <summary>
/// Writes an answer the gateway produced itself (a rule's, a cached one) the way the client asked for
/// it: one chat.completion body, or an SSE stream (one content chunk, a finish chunk, the usage chunk
/// when asked for, [DONE]). The exchange is settled before the last byte goes out.
/// </summary>
internal static class LocalAnswerWriter
{
    /// <param name="template">A chat.completion body to answer with (a cached one); null builds one from <paramref name="content"/>.</param>
    public static async Task WriteAsync(HttpContext context, GatewayExchange exchange, string model, string content, string? finishReason, RequestFigures figures, JsonObject? template = null, JsonObject? usageExtra = null)
    {
        var id = "chatcmpl-gg-" + context.Response.Headers["X-GG-Request-Id"].ToString();
        var created = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeSeconds();
        var settle = context.RequestServices.GetRequiredService<ExchangeSettlement>();
        exchange.Figures = figures;
        exchange.UpstreamStatus = StatusCodes.Status200OK;
        context.Response.Headers["X-GG-Tier"] = exchange.Tier;
        if (!exchange.Request.Stream)
        {
            var body = template ?? new JsonObject
            {
                ["object"] = "chat.completion",
                ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
                    ["finish_reason"] = finishReason ?? "stop",
                }),
            };
            body["id"] = id;
            body["created"] = created;
            body["usage"] = Usage(figures, exchange.Tier, usageExtra);
            var bytes = JsonSerializer.SerializeToUtf8Bytes(body);
            context.Response.Headers["X-GG-Energy-J"] = RequestFigures.Format(figures.Energy.Joules);
            context.Response.Headers["X-GG-Carbon-g"] = RequestFigures.Format(figures.CarbonGrams);
            context.Response.Headers["X-GG-Baseline-Energy-J"] = RequestFigures.Format(figures.BaselineJoules);
            context.Response.Headers["X-GG-Energy-Method"] = figures.MethodName;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = bytes.Length;
            await settle.SettleAsync(exchange, StatusCodes.Status200OK);
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var writer = context.Response.BodyWriter;
        WriteEvent(writer, Chunk(id, created, model, new JsonObject { ["role"] = "assistant", ["content"] = content }, null));
        WriteEvent(writer, Chunk(id, created, model, [], finishReason ?? "stop"));
        if (exchange.Request.ClientWantsStreamUsage)
        {
            var usage = Chunk(id, created, model, null, null);
            usage["choices"] = new JsonArray();
            usage["usage"] = Usage(figures, exchange.Tier, usageExtra);
            WriteEvent(writer, usage);
        }

        await settle.SettleAsync(exchange, StatusCodes.Status200OK);
        writer.Write("data: [DONE]\n\n"u8);
        await writer.FlushAsync(context.RequestAborted);
    }

    internal static JsonObject Usage(RequestFigures figures, string tier, JsonObject? extra)
    {
        var usage = Usage(figures, tier);
        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                usage[key] = value?.DeepClone();
            }
        }

        return usage;
    }

    private static JsonObject Usage(RequestFigures figures, string tier) => new()
    {
        ["prompt_tokens"] = figures.Usage.PromptTokens,
        ["completion_tokens"] = figures.Usage.CompletionTokens,
        ["total_tokens"] = figures.Usage.TotalTokens,
        ["energy_joules"] = figures.Energy.Joules,
        ["carbon_gco2e"] = figures.CarbonGrams,
        ["baseline_energy_joules"] = figures.BaselineJoules,
        ["energy_method"] = figures.MethodName,
        ["tier"] = tier,
    };

    internal static JsonObject Chunk(string id, long created, string model, JsonObject? delta, string? finishReason) => new()
    {
        ["id"] = id,
        ["object"] = "chat.completion.chunk",
        ["created"] = created,
        ["model"] = model,
        ["choices"] = delta is null ? null : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
    };

    internal static void WriteEvent(PipeWriter writer, JsonObject chunk)
    {
        writer.Write("data: "u8);
        using (var json = new Utf8JsonWriter(writer))
        {
            chunk.WriteTo(json);
        }

        writer.Write("\n\n"u8);
    }
}
