using System.Buffers;
using System.Text.Json;
using GreenGateway.Inference.Generation;
using GreenGateway.ModelHost.Energy;
using GreenGateway.ModelHost.Serving;

namespace GreenGateway.ModelHost.Api;

internal static partial class GenerationEndpoint
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    /// <summary>
    /// Server-sent events as OpenAI streams them. The energy is known only at the end: it goes in the usage chunk
    /// (stream_options.include_usage) and in the X-Energy-Joules trailer where the connection carries trailers.
    /// </summary>
    private static async Task<(int Completion, EnergyUsage Energy)> StreamAsync(HttpContext context, ModelSession s, EnergyMeter meter, EnergyMark mark,
        GenerationRequest r, GenerationRun run, string id, long created, bool chat)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Energy-Method"] = meter.Method;
        var ct = context.RequestAborted;
        var kind = chat ? "chat.completion.chunk" : "text_completion";
        var count = 0;
        if (chat)
        {
            await WriteEventAsync(response, w => Chunk(w, s, id, kind, created, null, true, null, false), ct);
        }

        // With tools offered, a tool call's text is held back and sent as tool_calls at the end (ToolCallScanner).
        var scanner = chat && r.ReadsToolCalls(s.ToolCallFormat) ? new ToolCallScanner(s.ToolCallFormat) : null;
        await foreach (var t in run.TokensAsync(ct))
        {
            count++;
            if (scanner is null)
            {
                await WriteEventAsync(response, w => Chunk(w, s, id, kind, created, t, chat, r.Logprobs, false), ct);
                continue;
            }

            var content = scanner.Push(t.Text);
            if (t.FinishReason is null)
            {
                await WriteEventAsync(response, w => Chunk(w, s, id, kind, created, t with { Text = content }, chat, r.Logprobs, false), ct);
                continue;
            }

            var (rest, calls) = scanner.Finish();
            var last = t with { Text = content + rest, FinishReason = calls.Count > 0 ? null : t.FinishReason };
            await WriteEventAsync(response, w => Chunk(w, s, id, kind, created, last, chat, r.Logprobs, false), ct);
            if (calls.Count > 0)
            {
                await WriteEventAsync(response, w => ToolCallChunks(w, s, id, kind, created, calls), ct);
            }
        }

        if (count == 0)
        {
            await WriteEventAsync(response, w => Chunk(w, s, id, kind, created, null, chat, null, true), ct);
        }

        var energy = meter.Stop(mark);
        if (r.IncludeUsage)
        {
            await WriteEventAsync(response, w =>
            {
                Header(w, id, kind, created, s.ModelId);
                w.WriteStartArray("choices");
                w.WriteEndArray();
                ResponseJson.Usage(w, run.Prompt.Length, count, run.CachedTokens, energy);
                w.WriteEndObject();
            }, ct);
        }

        await response.Body.WriteAsync(Done, ct);
        if (response.SupportsTrailers())
        {
            response.AppendTrailer("X-Energy-Joules", EnergyMeter.Format(energy.Joules));
        }

        return (count, energy);
    }

    /// <summary>The answer's tool calls, whole, in one chunk's delta, with finish_reason "tool_calls".</summary>
    private static void ToolCallChunks(Utf8JsonWriter w, ModelSession s, string id, string kind, long created, IReadOnlyList<ToolCall> calls)
    {
        Header(w, id, kind, created, s.ModelId);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("delta");
        ResponseJson.ToolCalls(w, calls, delta: true);
        w.WriteEndObject();
        w.WriteNull("logprobs");
        w.WriteString("finish_reason", "tool_calls");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Chunk(Utf8JsonWriter w, ModelSession s, string id, string kind, long created, GeneratedToken? t, bool chat, int? logprobs, bool emptyEnd)
    {
        Header(w, id, kind, created, s.ModelId);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        if (chat)
        {
            w.WriteStartObject("delta");
            if (t is null && !emptyEnd)
            {
                w.WriteString("role", "assistant");
            }

            w.WriteString("content", t?.Text ?? "");
            w.WriteEndObject();
        }
        else
        {
            w.WriteString("text", t?.Text ?? "");
        }

        if (t is not null && logprobs is { } top)
        {
            if (chat)
            {
                ResponseJson.ChatLogprobs(w, s, [t]);
            }
            else
            {
                ResponseJson.CompletionLogprobs(w, s, null, [t], top);
            }
        }
        else
        {
            w.WriteNull("logprobs");
        }

        if (emptyEnd || t?.FinishReason is not null)
        {
            w.WriteString("finish_reason", ResponseJson.FinishReason(t?.FinishReason ?? FinishReason.Length));
        }
        else
        {
            w.WriteNull("finish_reason");
        }

        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static async Task WriteEventAsync(HttpResponse response, Action<Utf8JsonWriter> write, CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }

        await response.Body.WriteAsync(DataPrefix, ct);
        await response.Body.WriteAsync(buffer.WrittenMemory, ct);
        await response.Body.WriteAsync(EventEnd, ct);
        await response.Body.FlushAsync(ct);
    }
}
