using System.Buffers;
using System.Text.Json;
using GreenGateway.Accounting;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Requests;

namespace GreenGateway.Answers;

/// <summary>What an answer says, whoever produced it (a tier of the gateway's own, or an upstream whose answer is translated).</summary>
/// <param name="Model">The model name the answer reports.</param>
/// <param name="Text">The answer's text.</param>
/// <param name="FinishReason">Chat completions' finish_reason (<c>stop</c>, <c>length</c>, <c>tool_calls</c>, <c>content_filter</c>).</param>
/// <param name="ToolCalls">The function calls the model made; empty when none.</param>
/// <param name="Template">A cached chat completion body to replay in its own shape (a cache hit's); null otherwise.</param>
internal sealed record AnswerContent(string Model, string Text, string? FinishReason, IReadOnlyList<ToolCall> ToolCalls, string? Template = null)
{
    public static AnswerContent OfText(string model, string text, string? finishReason, string? template = null) => new(model, text, finishReason, [], template);
}

/// <summary>One function call of an answer: its call id, the function's name and the arguments as the model wrote them (JSON text).</summary>
internal sealed record ToolCall(string Id, string Name, string Arguments);

/// <summary>
/// The wire shape of an answer for the API the client called: a <c>chat.completion</c> and its chunk stream
/// (<see cref="ChatFormat"/>), or a Responses API <c>response</c> and its event stream (<see cref="ResponsesFormat"/>).
/// One per request, since a stream's events carry state (the role goes once, events are numbered). The
/// <see cref="AnswerWriter"/> writes the gateway's own answers through it, and the upstream path an upstream's answer
/// translated from chat completions; <see cref="FigureFormat"/> gives the figures their shape inside it.
/// </summary>
internal abstract class AnswerFormat
{
    /// <summary>The answer's id, as the client sees it.</summary>
    public abstract string Id { get; }

    public static AnswerFormat For(OpenAiRequest request, string requestId, long created) =>
        request.Kind == ApiKind.Responses ? new ResponsesFormat(request, requestId, created) : new ChatFormat(requestId, created, request.ClientWantsStreamUsage);

    /// <summary>A non-streamed answer's whole body.</summary>
    public abstract byte[] Body(AnswerContent content, in RequestFigures figures, string tier, SpeculativeStats? speculative);

    /// <summary>What a stream opens with, once its headers are out.</summary>
    public abstract void WriteStart(IBufferWriter<byte> output, string model);

    /// <summary>A piece of the answer's text as it becomes final (an empty piece only opens the answer).</summary>
    public abstract void WriteDelta(IBufferWriter<byte> output, string model, string text);

    /// <summary>The stream's end up to its last event: the finish, the usage, the answer's items closed.</summary>
    public abstract void WriteEnd(IBufferWriter<byte> output, AnswerContent content, in RequestFigures figures, string tier, SpeculativeStats? speculative);

    /// <summary>The stream's last event, written after the request is settled.</summary>
    public abstract void WriteLast(IBufferWriter<byte> output);

    /// <summary>Ends a stream that broke after its first byte: an error event, with what was charged where the format carries it.</summary>
    public abstract void WriteError(IBufferWriter<byte> output, string message, string type, string code, AnswerContent delivered, in RequestFigures charged);

    /// <summary>One server-sent event: <c>event:</c> when the format names its events, then the JSON that <paramref name="members"/> writes.</summary>
    protected static void WriteEvent<TState>(IBufferWriter<byte> output, ReadOnlySpan<byte> name, TState state, Action<Utf8JsonWriter, TState> members)
    {
        if (!name.IsEmpty)
        {
            output.Write("event: "u8);
            output.Write(name);
            output.Write("\n"u8);
        }

        output.Write("data: "u8);
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            members(w, state);
            w.WriteEndObject();
        }

        output.Write("\n\n"u8);
    }
}
