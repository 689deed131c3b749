using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Accounting;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Requests;

namespace GreenGateway.Answers;

/// <summary>
/// The Responses API's shape (OpenAI's API reference, "Responses" and "Streaming events"): one <c>response</c> object whose
/// <c>output</c> holds a message item with an <c>output_text</c> part (and a <c>function_call</c> item per call), or an
/// event stream: <c>response.created</c>, <c>response.in_progress</c>, the message item and its text part added,
/// <c>response.output_text.delta</c> per piece, the text, part and item done, and <c>response.completed</c> with the
/// usage last. A stream that breaks ends with an <c>error</c> event and <c>response.failed</c>. The response's
/// <c>usage</c> carries input_tokens and output_tokens and the gateway's figures (<see cref="FigureFormat"/>). Once the
/// answer is whole, <see cref="Completed"/> holds the response object, for the store.
/// </summary>
internal sealed class ResponsesFormat(OpenAiRequest request, string requestId, long created) : AnswerFormat
{
    private readonly ResponsesFields _fields = request.Responses ?? throw new ArgumentException("Not a Responses API request.", nameof(request));
    private readonly string _messageId = "msg_gg" + requestId;
    private int _sequence;
    private bool _messageOpen;
    private byte[]? _last;

    public override string Id { get; } = "resp_gg" + requestId;

    /// <summary>The whole response object (its id, and compact JSON with the figures), once the answer ended.</summary>
    public (string Id, byte[] Json)? Completed { get; private set; }

    /// <summary>Records an upstream's own response object (where it serves the Responses API) as the answer's.</summary>
    public void Complete(string id, byte[] responseJson) => Completed = (id, responseJson);

    public override byte[] Body(AnswerContent content, in RequestFigures figures, string tier, SpeculativeStats? speculative)
    {
        var json = ResponseObject(content, figures, tier, speculative);
        Completed = (Id, json);
        return json;
    }

    public override void WriteStart(IBufferWriter<byte> output, string model)
    {
        var opened = ResponseObject(AnswerContent.OfText(model, "", null), null, "", null, status: "in_progress");
        WriteEvent(output, "response.created"u8, (this, opened), static (w, s) => s.Item1.WriteWithResponse(w, "response.created", s.opened));
        WriteEvent(output, "response.in_progress"u8, (this, opened), static (w, s) => s.Item1.WriteWithResponse(w, "response.in_progress", s.opened));
    }

    public override void WriteDelta(IBufferWriter<byte> output, string model, string text)
    {
        if (!_messageOpen)
        {
            _messageOpen = true;
            WriteEvent(output, "response.output_item.added"u8, this, static (w, s) =>
            {
                s.Head(w, "response.output_item.added");
                w.WriteNumber("output_index"u8, 0);
                w.WritePropertyName("item"u8);
                s.WriteMessageItem(w, "in_progress", text: null);
            });
            WriteEvent(output, "response.content_part.added"u8, this, static (w, s) =>
            {
                s.Head(w, "response.content_part.added");
                s.WritePartPosition(w);
                w.WritePropertyName("part"u8);
                WriteTextPart(w, "");
            });
        }

        if (text.Length == 0)
        {
            return;
        }

        WriteEvent(output, "response.output_text.delta"u8, (this, text), static (w, s) =>
        {
            s.Item1.Head(w, "response.output_text.delta");
            s.Item1.WritePartPosition(w);
            w.WriteString("delta"u8, s.text);
            w.WriteStartArray("logprobs"u8);
            w.WriteEndArray();
        });
    }

    public override void WriteEnd(IBufferWriter<byte> output, AnswerContent content, in RequestFigures figures, string tier, SpeculativeStats? speculative)
    {
        if (_messageOpen || content.ToolCalls.Count == 0)
        {
            WriteDelta(output, content.Model, "");
            WriteEvent(output, "response.output_text.done"u8, (this, content.Text), static (w, s) =>
            {
                s.Item1.Head(w, "response.output_text.done");
                s.Item1.WritePartPosition(w);
                w.WriteString("text"u8, s.Text);
                w.WriteStartArray("logprobs"u8);
                w.WriteEndArray();
            });
            WriteEvent(output, "response.content_part.done"u8, (this, content.Text), static (w, s) =>
            {
                s.Item1.Head(w, "response.content_part.done");
                s.Item1.WritePartPosition(w);
                w.WritePropertyName("part"u8);
                WriteTextPart(w, s.Text);
            });
            WriteEvent(output, "response.output_item.done"u8, (this, content.Text), static (w, s) =>
            {
                s.Item1.Head(w, "response.output_item.done");
                w.WriteNumber("output_index"u8, 0);
                w.WritePropertyName("item"u8);
                s.Item1.WriteMessageItem(w, "completed", s.Text);
            });
        }

        var index = _messageOpen ? 1 : 0;
        foreach (var call in content.ToolCalls)
        {
            foreach (var name in (ReadOnlySpan<string>)["response.output_item.added", "response.output_item.done"])
            {
                WriteEvent(output, System.Text.Encoding.UTF8.GetBytes(name), (this, name, index, call), static (w, s) =>
                {
                    s.Item1.Head(w, s.name);
                    w.WriteNumber("output_index"u8, s.index);
                    w.WritePropertyName("item"u8);
                    WriteFunctionCallItem(w, s.call);
                });
            }

            index++;
        }

        var completed = Body(content, figures, tier, speculative);
        var type = Status(content.FinishReason) == "incomplete" ? "response.incomplete" : "response.completed";
        var last = new ArrayBufferWriter<byte>(completed.Length + 128);
        WriteEvent(last, System.Text.Encoding.UTF8.GetBytes(type), (this, type, completed), static (w, s) => s.Item1.WriteWithResponse(w, s.type, s.completed));
        _last = last.WrittenSpan.ToArray();
    }

    public override void WriteLast(IBufferWriter<byte> output) => output.Write(_last ?? throw new InvalidOperationException("WriteEnd comes first."));

    public override void WriteError(IBufferWriter<byte> output, string message, string type, string code, AnswerContent delivered, in RequestFigures charged)
    {
        WriteErrorEvent(output, message, code);
        var failed = ResponseObject(delivered, charged, CascadeTiers.Upstream, null, status: "failed", error: (code, message));
        WriteEvent(output, "response.failed"u8, (this, failed), static (w, s) => s.Item1.WriteWithResponse(w, "response.failed", s.failed));
    }

    /// <summary>The Responses API's <c>error</c> event (an upstream that broke mid-stream, with nothing of the format to add).</summary>
    public void WriteErrorEvent(IBufferWriter<byte> output, string message, string code) =>
        WriteEvent(output, "error"u8, (this, message, code), static (w, s) =>
        {
            s.Item1.Head(w, "error");
            w.WriteString("code"u8, s.code);
            w.WriteString("message"u8, s.message);
            w.WriteNull("param"u8);
        });

    /// <summary><c>completed</c>, or <c>incomplete</c> when the answer stopped at the token limit or a content filter.</summary>
    private static string Status(string? finishReason) => finishReason is "length" or "content_filter" ? "incomplete" : "completed";

    private byte[] ResponseObject(AnswerContent content, RequestFigures? figures, string tier, SpeculativeStats? speculative, string? status = null, (string Code, string Message)? error = null)
    {
        status ??= Status(content.FinishReason);
        var output = new ArrayBufferWriter<byte>(content.Text.Length + 1024);
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteString("id"u8, Id);
            w.WriteString("object"u8, "response"u8);
            w.WriteNumber("created_at"u8, created);
            w.WriteString("status"u8, status);
            w.WriteBoolean("background"u8, false);
            if (error is { } e)
            {
                w.WriteStartObject("error"u8);
                w.WriteString("code"u8, e.Code);
                w.WriteString("message"u8, e.Message);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("error"u8);
            }

            if (status == "incomplete")
            {
                w.WriteStartObject("incomplete_details"u8);
                w.WriteString("reason"u8, content.FinishReason == "length" ? "max_output_tokens" : "content_filter");
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("incomplete_details"u8);
            }

            WriteStringOrNull(w, "instructions"u8, _fields.Instructions);
            if (request.MaxTokens is { } max)
            {
                w.WriteNumber("max_output_tokens"u8, max);
            }
            else
            {
                w.WriteNull("max_output_tokens"u8);
            }

            w.WriteString("model"u8, content.Model);
            w.WriteStartArray("output"u8);
            if (status is not "in_progress")
            {
                if (content.Text.Length > 0 || content.ToolCalls.Count == 0 || _messageOpen)
                {
                    WriteMessageItem(w, status == "failed" ? "incomplete" : "completed", content.Text);
                }

                foreach (var call in content.ToolCalls)
                {
                    WriteFunctionCallItem(w, call);
                }
            }

            w.WriteEndArray();
            w.WriteBoolean("parallel_tool_calls"u8, _fields.ParallelToolCalls ?? true);
            WriteStringOrNull(w, "previous_response_id"u8, _fields.ContinuedFrom ?? _fields.PreviousResponseId);
            w.WriteNull("reasoning"u8);
            w.WriteBoolean("store"u8, _fields.Store);
            w.WriteNumber("temperature"u8, request.Parameters.Temperature ?? 1.0);
            WriteNode(w, "text"u8, _fields.Text, static w =>
            {
                w.WriteStartObject();
                w.WriteStartObject("format"u8);
                w.WriteString("type"u8, "text"u8);
                w.WriteEndObject();
                w.WriteEndObject();
            });
            WriteNode(w, "tool_choice"u8, _fields.ToolChoice, static w => w.WriteStringValue("auto"u8));
            WriteNode(w, "tools"u8, _fields.Tools, static w =>
            {
                w.WriteStartArray();
                w.WriteEndArray();
            });
            w.WriteNumber("top_p"u8, request.Parameters.TopP ?? 1.0);
            w.WriteString("truncation"u8, _fields.Truncation ?? "disabled");
            if (figures is { } f)
            {
                w.WriteStartObject("usage"u8);
                FigureFormat.WriteResponsesUsageMembers(w, f, tier, withTokens: true, speculative);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("usage"u8);
            }

            WriteStringOrNull(w, "user"u8, _fields.User);
            WriteNode(w, "metadata"u8, _fields.Metadata, static w =>
            {
                w.WriteStartObject();
                w.WriteEndObject();
            });
            w.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    private void Head(Utf8JsonWriter w, string type)
    {
        w.WriteString("type"u8, type);
        w.WriteNumber("sequence_number"u8, _sequence++);
    }

    private void WriteWithResponse(Utf8JsonWriter w, string type, byte[] response)
    {
        Head(w, type);
        w.WritePropertyName("response"u8);
        w.WriteRawValue(response, skipInputValidation: true);
    }

    private void WritePartPosition(Utf8JsonWriter w)
    {
        w.WriteString("item_id"u8, _messageId);
        w.WriteNumber("output_index"u8, 0);
        w.WriteNumber("content_index"u8, 0);
    }

    private void WriteMessageItem(Utf8JsonWriter w, string status, string? text)
    {
        w.WriteStartObject();
        w.WriteString("id"u8, _messageId);
        w.WriteString("type"u8, "message"u8);
        w.WriteString("status"u8, status);
        w.WriteString("role"u8, "assistant"u8);
        w.WriteStartArray("content"u8);
        if (text is not null)
        {
            WriteTextPart(w, text);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteTextPart(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("type"u8, "output_text"u8);
        w.WriteString("text"u8, text);
        w.WriteStartArray("annotations"u8);
        w.WriteEndArray();
        w.WriteStartArray("logprobs"u8);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteFunctionCallItem(Utf8JsonWriter w, ToolCall call)
    {
        w.WriteStartObject();
        w.WriteString("id"u8, "fc_" + call.Id);
        w.WriteString("type"u8, "function_call"u8);
        w.WriteString("status"u8, "completed"u8);
        w.WriteString("call_id"u8, call.Id);
        w.WriteString("name"u8, call.Name);
        w.WriteString("arguments"u8, call.Arguments);
        w.WriteEndObject();
    }

    private static void WriteStringOrNull(Utf8JsonWriter w, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteNode(Utf8JsonWriter w, ReadOnlySpan<byte> name, JsonNode? value, Action<Utf8JsonWriter> fallback)
    {
        w.WritePropertyName(name);
        if (value is null)
        {
            fallback(w);
        }
        else
        {
            value.WriteTo(w);
        }
    }
}
