using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Accounting;
using GreenGateway.Core.Cache;
using GreenGateway.Proxy;

namespace GreenGateway.Cache;

internal sealed partial class CacheTier
{
    /// <summary>Writes a cached answer the way the client asked for it: one JSON body, or an SSE stream.</summary>
    private async Task ReplayAsync(HttpContext context, GatewayExchange exchange, CachedAnswer answer, RequestFigures figures)
    {
        var id = "chatcmpl-gg-" + context.Response.Headers["X-GG-Request-Id"].ToString();
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var usage = UsageJson(figures);
        var settle = context.RequestServices.GetRequiredService<ExchangeSettlement>();
        if (!exchange.Request.Stream)
        {
            var body = JsonNode.Parse(answer.ResponseJson) as JsonObject ?? [];
            body["id"] = id;
            body["created"] = created;
            body["usage"] = usage;
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
        var first = Chunk(id, created, answer.Model, new JsonObject { ["role"] = "assistant", ["content"] = answer.Content }, null);
        var last = Chunk(id, created, answer.Model, [], answer.FinishReason ?? "stop");
        WriteEvent(writer, first);
        WriteEvent(writer, last);
        if (exchange.Request.ClientWantsStreamUsage)
        {
            var usageChunk = Chunk(id, created, answer.Model, null, null);
            usageChunk["choices"] = new JsonArray();
            usageChunk["usage"] = usage;
            WriteEvent(writer, usageChunk);
        }

        await settle.SettleAsync(exchange, StatusCodes.Status200OK);
        writer.Write("data: [DONE]\n\n"u8);
        await writer.FlushAsync(context.RequestAborted);
    }

    private static JsonObject UsageJson(RequestFigures figures) => new()
    {
        ["prompt_tokens"] = figures.Usage.PromptTokens,
        ["completion_tokens"] = figures.Usage.CompletionTokens,
        ["total_tokens"] = figures.Usage.TotalTokens,
        ["energy_joules"] = figures.Energy.Joules,
        ["carbon_gco2e"] = figures.CarbonGrams,
        ["baseline_energy_joules"] = figures.BaselineJoules,
        ["energy_method"] = figures.MethodName,
        ["tier"] = Name,
    };

    private static JsonObject Chunk(string id, long created, string model, JsonObject? delta, string? finishReason) => new()
    {
        ["id"] = id,
        ["object"] = "chat.completion.chunk",
        ["created"] = created,
        ["model"] = model,
        ["choices"] = delta is null ? null : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
    };

    private static void WriteEvent(System.IO.Pipelines.PipeWriter writer, JsonObject chunk)
    {
        writer.Write("data: "u8);
        using (var json = new Utf8JsonWriter(writer))
        {
            chunk.WriteTo(json);
        }

        writer.Write("\n\n"u8);
    }
}
