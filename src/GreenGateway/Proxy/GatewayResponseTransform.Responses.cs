using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using GreenGateway.Accounting;
using GreenGateway.Answers;
using GreenGateway.Core.Cache;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Energy;

namespace GreenGateway.Proxy;

/// <summary>
/// The upstream's answer to a Responses API request. From an upstream that serves the API, the response object is
/// relayed with the gateway's figures in its <c>usage</c> (priced from its input_tokens and output_tokens within the
/// request's bounds); from one that serves chat completions, the chat answer is translated into the client's
/// <see cref="ResponsesFormat"/>, as the gateway's own tiers answer.
/// </summary>
internal static partial class GatewayResponseTransform
{
    private static async Task RewriteResponsesJsonAsync(HttpContext http, UpstreamCall call, HttpResponseMessage response, EnergyAccountant accountant, long maxBytes, TimeSpan idle)
    {
        var (body, why) = await ReadAnswerAsync(http, response, maxBytes, idle);
        if (body is null)
        {
            await WriteUpstreamFailedAsync(http, call, why!);
            return;
        }

        using var document = TryParseObject(body);
        var root = document?.RootElement;
        var answer = call.TranslatesResponses ? "choices" : "output";
        if (root is not { } r || !r.TryGetProperty(answer, out var items) || items.ValueKind != JsonValueKind.Array)
        {
            await WriteUpstreamFailedAsync(http, call, $"it answered 200 with a body that is not a JSON object with '{answer}'.");
            return;
        }

        var format = (ResponsesFormat)call.Format;
        byte[] written;
        RequestFigures figures;
        if (call.TranslatesResponses)
        {
            figures = accountant.PriceUpstream(call.Route, call.Request, ReadUsage(r), CountUsage(call.Request, r), ReportedJoules(response), call.Grid, call.Elapsed);
            call.Cacheable = call.KeepForCache ? Cacheable(r, body, figures) : null;
            written = format.Body(ResponsesTranslation.ReadChatAnswer(r, call.Route.Model), figures, CascadeTiers.Upstream, null);
        }
        else
        {
            var counted = new TokenUsage(call.Request.PromptTokenEstimate, TokenEstimator.Estimate(OutputText(items)), Counted: true);
            figures = accountant.PriceUpstream(call.Route, call.Request, ReadResponsesUsage(r), counted, ReportedJoules(response), call.Grid, call.Elapsed);
            written = Rewrite(r, figures, responses: true);
            format.Complete(StringOf(r, "id"u8) ?? format.Id, written);
        }

        call.Status = StatusCodes.Status200OK;
        call.Figures = figures;
        http.Response.ContentType = "application/json";
        FigureFormat.WriteHeaders(http.Response.Headers, figures);
        await call.BeforeLastByte(figures);
        http.Response.ContentLength = written.Length;
        await http.Response.Body.WriteAsync(written, http.RequestAborted);
    }

    private static Task RelayResponsesStreamAsync(HttpContext http, UpstreamCall call, HttpResponseMessage response, EnergyAccountant accountant, TimeSpan idle)
    {
        var output = http.Response.BodyWriter;
        StreamRelay relay = call.TranslatesResponses
            ? new ChatToResponsesRelay(call, accountant, ReportedJoules(response), output)
            : new ResponsesRelay(call, accountant, ReportedJoules(response), output);
        return RelayAsync(http, call, response, relay, idle);
    }

    private static JsonDocument? TryParseObject(byte[] body)
    {
        try
        {
            var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
        }
        catch (JsonException)
        {
            // Not JSON: no answer.
        }

        return null;
    }

    /// <summary>A Responses API usage object's token counts (<c>input_tokens</c>, <c>output_tokens</c>), or null when it has none.</summary>
    private static TokenUsage? ReadResponsesUsage(JsonElement response)
    {
        if (!response.TryGetProperty("usage"u8, out var usage) || usage.ValueKind != JsonValueKind.Object
            || !usage.TryGetProperty("input_tokens"u8, out var i) || i.ValueKind != JsonValueKind.Number || !i.TryGetInt32(out var input))
        {
            return null;
        }

        var output = usage.TryGetProperty("output_tokens"u8, out var o) && o.ValueKind == JsonValueKind.Number && o.TryGetInt32(out var n) ? n : 0;
        return new TokenUsage(input, output, Counted: false);
    }

    /// <summary>The text of a response's output_text parts, for the gateway's own count of its tokens.</summary>
    private static string OutputText(JsonElement output)
    {
        var text = new StringBuilder();
        foreach (var item in output.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("content"u8, out var content) && content.ValueKind == JsonValueKind.Array)
            {
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.Object && StringOf(part, "type"u8) == "output_text")
                    {
                        text.Append(StringOf(part, "text"u8));
                    }
                }
            }
        }

        return text.ToString();
    }

    private static string? StringOf(JsonElement element, ReadOnlySpan<byte> name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>
    /// A chat completions stream translated into the Responses API's events as it arrives: the text of each chunk becomes
    /// an output_text delta, tool call deltas are assembled into function_call items, and the usage chunk (or the stream's
    /// end) prices the answer that <c>response.completed</c> reports, held until the request is settled.
    /// </summary>
    private sealed class ChatToResponsesRelay(UpstreamCall call, EnergyAccountant accountant, double? reportedJoules, PipeWriter output) : StreamRelay
    {
        private readonly ResponsesFormat _format = (ResponsesFormat)call.Format;
        private readonly ResponsesTranslation.StreamedAnswer _answer = new();
        private byte[]? _firstChunk;
        private int _chunks;
        private bool _ended;
        private bool _held;

        public override bool HoldsEnd => _held;

        public override void Start() => _format.WriteStart(output, call.Route.Model);

        public override void WriteHeldEnd()
        {
            _format.WriteLast(output);
            _held = false;
        }

        public override RequestFigures PriceCounted() =>
            accountant.PriceUpstream(call.Route, call.Request, null, new TokenUsage(call.Request.PromptTokenEstimate, _chunks, Counted: true), reportedJoules, call.Grid, call.Elapsed);

        public override void WriteBroken(string message, RequestFigures charged) =>
            _format.WriteError(output, message, "upstream_error", "upstream_failed", _answer.Content(call.Route.Model), charged);

        public override CachedAnswer? Cacheable() =>
            _firstChunk is null || _answer.HasToolCalls || Figures is not { } figures ? null : CachedFromStream(call, _firstChunk, _answer.Text, _answer.FinishReason, figures);

        protected override void Handle(ReadOnlySpan<byte> sseEvent)
        {
            var data = SseRelay.DataOf(sseEvent);
            if (_ended || data.IsEmpty)
            {
                return;
            }

            if (data.SequenceEqual("[DONE]"u8))
            {
                _ended = true;
                Figures ??= PriceCounted();
                _format.WriteEnd(output, _answer.Content(call.Route.Model), Figures.Value, CascadeTiers.Upstream, null);
                _held = true;
                return;
            }

            JsonDocument chunk;
            try
            {
                chunk = JsonDocument.Parse(data.ToArray());
            }
            catch (JsonException)
            {
                return; // not a chunk: nothing the client's format can carry
            }

            using (chunk)
            {
                var root = chunk.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    return;
                }

                if (root.TryGetProperty("usage"u8, out var usage) && usage.ValueKind == JsonValueKind.Object
                    && (!root.TryGetProperty("choices"u8, out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0))
                {
                    var joules = reportedJoules ?? (usage.TryGetProperty("energy_joules"u8, out var e) && e.ValueKind == JsonValueKind.Number ? e.GetDouble() : null);
                    var counted = new TokenUsage(call.Request.PromptTokenEstimate, _chunks, Counted: true);
                    Figures = accountant.PriceUpstream(call.Route, call.Request, ReadUsage(root), counted, joules, call.Grid, call.Elapsed);
                    return;
                }

                _firstChunk ??= data.ToArray();
                _chunks++;
                var text = _answer.Add(root);
                if (text.Length > 0)
                {
                    _format.WriteDelta(output, call.Route.Model, text);
                }
            }
        }
    }

    /// <summary>
    /// An upstream's own Responses API stream, relayed event by event as sent; its <c>response.completed</c> (or
    /// <c>response.incomplete</c>, <c>response.failed</c>) is priced from the usage it carries, gets the gateway's figures in
    /// that usage, and is held until the request is settled.
    /// </summary>
    private sealed class ResponsesRelay(UpstreamCall call, EnergyAccountant accountant, double? reportedJoules, PipeWriter output) : StreamRelay
    {
        private readonly ResponsesFormat _format = (ResponsesFormat)call.Format;
        private readonly StringBuilder _text = new();
        private byte[]? _held;

        public override bool HoldsEnd => _held is not null;

        public override void WriteHeldEnd()
        {
            output.Write(_held);
            _held = null;
        }

        public override RequestFigures PriceCounted() =>
            accountant.PriceUpstream(call.Route, call.Request, null, Counted(), reportedJoules, call.Grid, call.Elapsed);

        public override void WriteBroken(string message, RequestFigures charged) => _format.WriteErrorEvent(output, message, "upstream_failed");

        protected override void Handle(ReadOnlySpan<byte> sseEvent)
        {
            var data = SseRelay.DataOf(sseEvent);
            if (Figures is null && !data.IsEmpty && TryEnd(data, out var end))
            {
                _held = end;
                return;
            }

            output.Write(sseEvent);
        }

        /// <summary>Reads an event's data: a delta is counted; a terminal event is priced and rewritten with the figures.</summary>
        private bool TryEnd(ReadOnlySpan<byte> data, out byte[]? end)
        {
            end = null;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(data.ToArray());
            }
            catch (JsonException)
            {
                return false;
            }

            using (document)
            {
                var root = document.RootElement;
                var type = root.ValueKind == JsonValueKind.Object ? StringOf(root, "type"u8) : null;
                if (type == "response.output_text.delta")
                {
                    _text.Append(StringOf(root, "delta"u8));
                    return false;
                }

                if (type is not ("response.completed" or "response.incomplete" or "response.failed")
                    || !root.TryGetProperty("response"u8, out var response) || response.ValueKind != JsonValueKind.Object)
                {
                    return false;
                }

                var joules = reportedJoules;
                if (joules is null && response.TryGetProperty("usage"u8, out var usage) && usage.ValueKind == JsonValueKind.Object
                    && usage.TryGetProperty("energy_joules"u8, out var e) && e.ValueKind == JsonValueKind.Number)
                {
                    joules = e.GetDouble();
                }

                var figures = accountant.PriceUpstream(call.Route, call.Request, ReadResponsesUsage(response), Counted(), joules, call.Grid, call.Elapsed);
                Figures = figures;
                var rewritten = Rewrite(response, figures, responses: true);
                if (type != "response.failed")
                {
                    _format.Complete(StringOf(response, "id"u8) ?? _format.Id, rewritten);
                }

                var buffer = new ArrayBufferWriter<byte>(rewritten.Length + 128);
                buffer.Write("event: "u8);
                buffer.Write(Encoding.UTF8.GetBytes(type));
                buffer.Write("\ndata: "u8);
                using (var w = new Utf8JsonWriter(buffer))
                {
                    w.WriteStartObject();
                    foreach (var member in root.EnumerateObject())
                    {
                        if (member.NameEquals("response"u8))
                        {
                            w.WritePropertyName("response"u8);
                            w.WriteRawValue(rewritten, skipInputValidation: true);
                        }
                        else
                        {
                            member.WriteTo(w);
                        }
                    }

                    w.WriteEndObject();
                }

                buffer.Write("\n\n"u8);
                end = buffer.WrittenSpan.ToArray();
                return true;
            }
        }

        private TokenUsage Counted() => new(call.Request.PromptTokenEstimate, TokenEstimator.Estimate(_text.ToString()), Counted: true);
    }
}
