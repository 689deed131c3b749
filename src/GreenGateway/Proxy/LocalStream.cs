using System.Buffers;
using System.Text.Json.Nodes;
using GreenGateway.Accounting;

namespace GreenGateway.Proxy;

/// <summary>
/// An SSE chat.completion.chunk stream the gateway writes itself as its tokens become final (the speculative
/// tier): a role chunk, content chunks, a finish chunk, the usage chunk when asked for, and [DONE]. The exchange
/// is settled before the last byte.
/// </summary>
internal sealed class LocalStream(HttpContext context, GatewayExchange exchange, string model)
{
    private readonly string _id = "chatcmpl-gg-" + context.Response.Headers["X-GG-Request-Id"].ToString();
    private readonly long _created = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeSeconds();

    public bool Started { get; private set; }

    /// <summary>Sends the headers and the role chunk.</summary>
    public async Task StartAsync()
    {
        context.Response.Headers["X-GG-Tier"] = exchange.Tier;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        Write(Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null));
        Started = true;
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    public async Task ContentAsync(string text)
    {
        if (text.Length == 0)
        {
            return;
        }

        Write(Chunk(new JsonObject { ["content"] = text }, null));
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>The finish chunk, the usage chunk (when asked for), settling, and [DONE].</summary>
    public async Task FinishAsync(string finishReason, RequestFigures figures, JsonObject usage)
    {
        exchange.Figures = figures;
        exchange.UpstreamStatus = StatusCodes.Status200OK;
        Write(Chunk([], finishReason));
        if (exchange.Request.ClientWantsStreamUsage)
        {
            var chunk = Chunk(null, null);
            chunk["choices"] = new JsonArray();
            chunk["usage"] = usage;
            Write(chunk);
        }

        await context.RequestServices.GetRequiredService<ExchangeSettlement>().SettleAsync(exchange, StatusCodes.Status200OK);
        context.Response.BodyWriter.Write("data: [DONE]\n\n"u8);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>Ends a stream that broke (its upstream went away) with an OpenAI-shaped error event.</summary>
    public async Task FailAsync(string message)
    {
        Write(new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = "upstream_error", ["code"] = "upstream_failed" } });
        context.Response.BodyWriter.Write("data: [DONE]\n\n"u8);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private JsonObject Chunk(JsonObject? delta, string? finishReason) => LocalAnswerWriter.Chunk(_id, _created, model, delta, finishReason);

    private void Write(JsonObject chunk) => LocalAnswerWriter.WriteEvent(context.Response.BodyWriter, chunk);
}
