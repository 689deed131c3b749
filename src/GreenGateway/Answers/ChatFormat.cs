using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Accounting;
using GreenGateway.Core.Cascade;

namespace GreenGateway.Answers;

/// <summary>
/// OpenAI's chat completions shape: one <c>chat.completion</c> body, or a <c>chat.completion.chunk</c> stream (the role
/// with the first piece, a chunk per piece, the finish chunk, the usage chunk when asked for, <c>[DONE]</c> last).
/// </summary>
internal sealed class ChatFormat(string requestId, long created, bool streamUsage) : AnswerFormat
{
    private bool _roleSent;
    private string? _id;

    public override string Id => _id ??= "chatcmpl-gg-" + requestId;

    public override byte[] Body(AnswerContent content, in RequestFigures figures, string tier, SpeculativeStats? speculative)
    {
        // A cached upstream answer is replayed in its own shape (system_fingerprint and the like), with the gateway's id and figures.
        if (content.Template is { Length: > 0 } template && JsonNode.Parse(template) is JsonObject replay)
        {
            replay["id"] = Id;
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

                WriteUsage(w, figures, tier, speculative);
                w.WriteEndObject();
            }

            return buffer.WrittenSpan.ToArray();
        }

        var output = new ArrayBufferWriter<byte>(content.Text.Length + 512);
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteString("id"u8, Id);
            w.WriteString("object"u8, "chat.completion"u8);
            w.WriteNumber("created"u8, created);
            w.WriteString("model"u8, content.Model);
            w.WriteStartArray("choices"u8);
            w.WriteStartObject();
            w.WriteNumber("index"u8, 0);
            w.WriteStartObject("message"u8);
            w.WriteString("role"u8, "assistant"u8);
            w.WriteString("content"u8, content.Text);
            w.WriteEndObject();
            w.WriteString("finish_reason"u8, content.FinishReason ?? "stop");
            w.WriteEndObject();
            w.WriteEndArray();
            WriteUsage(w, figures, tier, speculative);
            w.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>Nothing: the role goes with the first piece.</summary>
    public override void WriteStart(IBufferWriter<byte> output, string model)
    {
    }

    public override void WriteDelta(IBufferWriter<byte> output, string model, string text)
    {
        if (text.Length == 0 && _roleSent)
        {
            return;
        }

        var first = !_roleSent;
        _roleSent = true;
        WriteEvent(output, default, (this, model, first, text), static (w, s) => s.Item1.WriteChunk(w, s.model, (s.first, s.text), null));
    }

    public override void WriteEnd(IBufferWriter<byte> output, AnswerContent content, in RequestFigures figures, string tier, SpeculativeStats? speculative)
    {
        WriteDelta(output, content.Model, "");
        WriteEvent(output, default, (this, content), static (w, s) => s.Item1.WriteChunk(w, s.content.Model, null, s.content.FinishReason ?? "stop"));
        if (streamUsage)
        {
            WriteEvent(output, default, (this, content.Model, figures, tier, speculative), static (w, s) =>
            {
                s.Item1.WriteChunkHead(w, s.Model);
                w.WriteStartArray("choices"u8);
                w.WriteEndArray();
                WriteUsage(w, s.figures, s.tier, s.speculative);
            });
        }
    }

    public override void WriteLast(IBufferWriter<byte> output) => output.Write("data: [DONE]\n\n"u8);

    /// <summary>An error event and no <c>[DONE]</c>; the charge is in the gateway's log and <c>/v1/usage</c>.</summary>
    public override void WriteError(IBufferWriter<byte> output, string message, string type, string code, AnswerContent delivered, in RequestFigures charged) =>
        WriteErrorEvent(output, message, type, code);

    /// <summary>OpenAI's error event in a chat completions stream: <c>data: {"error": {...}}</c>.</summary>
    public static void WriteErrorEvent(IBufferWriter<byte> output, string message, string type = "upstream_error", string code = "upstream_failed") =>
        WriteEvent(output, default, (message, type, code), static (w, s) =>
        {
            w.WriteStartObject("error"u8);
            w.WriteString("message"u8, s.message);
            w.WriteString("type"u8, s.type);
            w.WriteNull("param"u8);
            w.WriteString("code"u8, s.code);
            w.WriteEndObject();
        });

    private static void WriteUsage(Utf8JsonWriter w, in RequestFigures figures, string tier, SpeculativeStats? speculative)
    {
        w.WriteStartObject("usage"u8);
        FigureFormat.WriteUsageMembers(w, figures, tier, withTokens: true, speculative);
        w.WriteEndObject();
    }

    private void WriteChunkHead(Utf8JsonWriter w, string model)
    {
        w.WriteString("id"u8, Id);
        w.WriteString("object"u8, "chat.completion.chunk"u8);
        w.WriteNumber("created"u8, created);
        w.WriteString("model"u8, model);
    }

    /// <summary>A chunk with one choice: a delta (role and/or content) or, with <paramref name="finishReason"/>, the finish.</summary>
    private void WriteChunk(Utf8JsonWriter w, string model, (bool Role, string Content)? delta, string? finishReason)
    {
        WriteChunkHead(w, model);
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
}
