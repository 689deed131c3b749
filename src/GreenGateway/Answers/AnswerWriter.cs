using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Accounting;
using GreenGateway.Core.Carbon;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Requests;

namespace GreenGateway.Answers;

/// <summary>Who an answer is written for: the request, where its large model is, the grid now, and the request's id.</summary>
internal sealed record AnswerTarget(OpenAiRequest Request, ModelRoute Route, CarbonIntensity Grid, string RequestId);

/// <summary>What writing an answer did.</summary>
/// <param name="Written">Whether any byte reached the client (a failure before it lets the large model answer instead).</param>
/// <param name="End">How the answer ended; null when it threw.</param>
/// <param name="Figures">What was charged for it; null when nothing was delivered.</param>
/// <param name="Text">The text delivered.</param>
internal readonly record struct WrittenAnswer(bool Written, AnswerEnd? End, RequestFigures? Figures, string Text);

/// <summary>
/// Writes any answer of the gateway's own tiers the way the client asked for it: one <c>chat.completion</c> body, or a
/// <c>chat.completion.chunk</c> stream (a chunk per piece as it becomes final, the finish chunk, the usage chunk when
/// asked for, <c>[DONE]</c>). The figures are priced from the answer's end, and <c>beforeLastByte</c> (the request's
/// settlement) runs before the last byte goes out, so a client that reads <c>/v1/usage</c> next sees the answer counted.
/// A stream that fails part-way ends with an error event and no <c>[DONE]</c>, charged what it delivered.
/// </summary>
internal sealed class AnswerWriter(EnergyAccountant accountant, TimeProvider time)
{
    public async Task<WrittenAnswer> WriteAsync(HttpContext http, AnswerTarget target, TierAnswer answer, Func<RequestFigures, ValueTask> beforeLastByte)
    {
        var aborted = http.RequestAborted;
        var id = "chatcmpl-gg-" + target.RequestId;
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        if (!target.Request.Stream)
        {
            var buffer = new BufferSink();
            var whole = await answer.WriteToAsync(buffer, aborted);
            if (whole.Failure is not null)
            {
                return new WrittenAnswer(false, whole, null, buffer.Text);
            }

            var figures = accountant.PriceTier(target.Route, whole.Usage, whole.Work, target.Grid);
            var body = JsonBody(answer, whole, buffer.Text, figures, id, created);
            var headers = http.Response.Headers;
            FigureFormat.WriteTierHeaders(headers, answer.Tier, answer.Details);
            FigureFormat.WriteEndHeaders(headers, whole, answer.Tier);
            FigureFormat.WriteHeaders(headers, figures);
            http.Response.ContentType = "application/json";
            http.Response.ContentLength = body.Length;
            await beforeLastByte(figures);
            await http.Response.Body.WriteAsync(body, aborted);
            return new WrittenAnswer(true, whole, figures, buffer.Text);
        }

        var sink = new SseSink(http, answer, id, created);
        var end = await answer.WriteToAsync(sink, aborted);
        if (end.Failure is not null && !sink.Started)
        {
            return new WrittenAnswer(false, end, null, "");
        }

        // Charged what was delivered, whether the answer finished or broke part-way.
        var charged = accountant.PriceTier(target.Route, end.Usage, end.Work, target.Grid);
        var output = http.Response.BodyWriter;
        if (!sink.Started)
        {
            // An empty answer still opens with the assistant's role.
            await sink.StartAsync(aborted);
            WriteEvent(output, w => WriteChunkStart(w, id, created, answer.Model, (true, ""), null));
        }

        if (end.Failure is not null)
        {
            await beforeLastByte(charged);
            WriteErrorEvent(output, end.Failure);
            await output.FlushAsync(aborted);
            return new WrittenAnswer(true, end, charged, sink.Text);
        }

        WriteEvent(output, w => WriteChunkStart(w, id, created, answer.Model, null, end.FinishReason ?? "stop"));
        if (target.Request.ClientWantsStreamUsage)
        {
            WriteEvent(output, w =>
            {
                WriteChunkHead(w, id, created, answer.Model);
                w.WriteStartArray("choices"u8);
                w.WriteEndArray();
                w.WriteStartObject("usage"u8);
                FigureFormat.WriteUsageMembers(w, charged, answer.Tier, withTokens: true, end.Speculative);
                w.WriteEndObject();
            });
        }

        await beforeLastByte(charged);
        output.Write("data: [DONE]\n\n"u8);
        await output.FlushAsync(aborted);
        return new WrittenAnswer(true, end, charged, sink.Text);
    }

    /// <summary>Ends a stream that broke after its first byte: an OpenAI-shaped error event, and no <c>[DONE]</c>.</summary>
    public static void WriteErrorEvent(PipeWriter output, string message, string type = "upstream_error", string code = "upstream_failed") =>
        WriteEvent(output, w =>
        {
            w.WriteStartObject("error"u8);
            w.WriteString("message"u8, message);
            w.WriteString("type"u8, type);
            w.WriteNull("param"u8);
            w.WriteString("code"u8, code);
            w.WriteEndObject();
        });

    private static byte[] JsonBody(TierAnswer answer, AnswerEnd end, string text, in RequestFigures figures, string id, long created)
    {
        // A cached upstream answer is replayed in its own shape (system_fingerprint and the like), with the gateway's id and figures.
        if (answer.Details.Cache?.ResponseJson is { Length: > 0 } template && JsonNode.Parse(template) is JsonObject replay)
        {
            replay["id"] = id;
            replay["created"] = created;
            replay.Remove("usage");
            var buffer = new ArrayBufferWriter<byte>(template.Length + 256);
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                foreach (var (name, value) in replay)
                {
                    w.WritePropertyName(name);
                    if (value is null)
                    {
                        w.WriteNullValue();
                    }
                    else
                    {
                        value.WriteTo(w);
                    }
                }

                WriteUsage(w, figures, answer.Tier, end.Speculative);
                w.WriteEndObject();
            }

            return buffer.WrittenSpan.ToArray();
        }

        var output = new ArrayBufferWriter<byte>(text.Length + 512);
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteString("id"u8, id);
            w.WriteString("object"u8, "chat.completion"u8);
            w.WriteNumber("created"u8, created);
            w.WriteString("model"u8, answer.Model);
            w.WriteStartArray("choices"u8);
            w.WriteStartObject();
            w.WriteNumber("index"u8, 0);
            w.WriteStartObject("message"u8);
            w.WriteString("role"u8, "assistant"u8);
            w.WriteString("content"u8, text);
            w.WriteEndObject();
            w.WriteString("finish_reason"u8, end.FinishReason ?? "stop");
            w.WriteEndObject();
            w.WriteEndArray();
            WriteUsage(w, figures, answer.Tier, end.Speculative);
            w.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    private static void WriteUsage(Utf8JsonWriter w, in RequestFigures figures, string tier, SpeculativeStats? speculative)
    {
        w.WriteStartObject("usage"u8);
        FigureFormat.WriteUsageMembers(w, figures, tier, withTokens: true, speculative);
        w.WriteEndObject();
    }

    private static void WriteChunkHead(Utf8JsonWriter w, string id, long created, string model)
    {
        w.WriteString("id"u8, id);
        w.WriteString("object"u8, "chat.completion.chunk"u8);
        w.WriteNumber("created"u8, created);
        w.WriteString("model"u8, model);
    }

    /// <summary>A chunk with one choice: a delta (role and/or content) or, with <paramref name="finishReason"/>, the finish.</summary>
    private static void WriteChunkStart(Utf8JsonWriter w, string id, long created, string model, (bool Role, string Content)? delta, string? finishReason)
    {
        WriteChunkHead(w, id, created, model);
        w.WriteStartArray("choices"u8);
        w.WriteStartObject();
        w.WriteNumber("index"u8, 0);
        w.WriteStartObject("delta"u8);
        if (delta is { } d)
        {
            if (d.Role)
            {
                w.WriteString("role"u8, "assistant"u8);
            }

            w.WriteString("content"u8, d.Content);
        }

        w.WriteEndObject();
        if (finishReason is null)
        {
            w.WriteNull("finish_reason"u8);
        }
        else
        {
            w.WriteString("finish_reason"u8, finishReason);
        }

        w.WriteEndObject();
        w.WriteEndArray();
    }

    private static void WriteEvent(PipeWriter output, Action<Utf8JsonWriter> members)
    {
        output.Write("data: "u8);
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            members(w);
            w.WriteEndObject();
        }

        output.Write("\n\n"u8);
    }

    /// <summary>Collects the whole text, for a client that does not stream.</summary>
    private sealed class BufferSink : IAnswerSink
    {
        private readonly StringBuilder _text = new();

        public string Text => _text.ToString();

        public ValueTask WriteAsync(string text, CancellationToken cancellationToken)
        {
            _text.Append(text);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Writes each piece as a chunk as it comes; the headers and the role go out with the first.</summary>
    private sealed class SseSink(HttpContext http, TierAnswer answer, string id, long created) : IAnswerSink
    {
        private readonly StringBuilder _text = new();

        public bool Started { get; private set; }

        public string Text => _text.ToString();

        public async ValueTask WriteAsync(string text, CancellationToken cancellationToken)
        {
            if (text.Length == 0)
            {
                return;
            }

            var first = !Started;
            await StartAsync(cancellationToken);
            _text.Append(text);
            WriteEvent(http.Response.BodyWriter, w => WriteChunkStart(w, id, created, answer.Model, (first, text), null));
            await http.Response.BodyWriter.FlushAsync(cancellationToken);
        }

        /// <summary>Sends the headers (once); the figures travel in the usage chunk, since headers go before them.</summary>
        public ValueTask StartAsync(CancellationToken cancellationToken)
        {
            if (Started)
            {
                return ValueTask.CompletedTask;
            }

            Started = true;
            var response = http.Response;
            FigureFormat.WriteTierHeaders(response.Headers, answer.Tier, answer.Details);
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            return ValueTask.CompletedTask;
        }
    }
}
