using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Accounting;
using GreenGateway.Answers;
using GreenGateway.Core.Cache;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Energy;

namespace GreenGateway.Proxy;

internal static partial class GatewayResponseTransform
{
    private static Task RelayEventStreamAsync(HttpContext http, UpstreamCall call, HttpResponseMessage response, EnergyAccountant accountant, TimeSpan idle) =>
        RelayAsync(http, call, response, new SseRelay(call, accountant, ReportedJoules(response), http.Response.BodyWriter), idle);

    /// <summary>
    /// Relays an upstream's event stream as it arrives, event by event, through <paramref name="relay"/> (which passes,
    /// splices or translates each); the stream's last event is held until the request is settled. A stream that ends
    /// without it (broken, stalled, closed early) is charged what it delivered and, when the client is still there,
    /// ends with the format's error event, never a clean end that hides a truncated answer.
    /// </summary>
    private static async Task RelayAsync(HttpContext http, UpstreamCall call, HttpResponseMessage response, StreamRelay relay, TimeSpan idle)
    {
        var aborted = http.RequestAborted;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var reader = PipeReader.Create(await response.Content.ReadAsStreamAsync(aborted), new StreamPipeReaderOptions(bufferSize: 4096));
        string? broken = null;
        call.Status = StatusCodes.Status200OK;
        try
        {
            await http.Response.StartAsync(aborted);
            relay.Start();
            while (true)
            {
                timeout.CancelAfter(idle);
                var result = await reader.ReadAsync(timeout.Token);
                var buffer = result.Buffer;
                while (TryReadEvent(ref buffer, out var sseEvent))
                {
                    relay.Handle(sseEvent);
                    await SettleHeldEndAsync(call, relay);
                }

                if (result.IsCompleted && !buffer.IsEmpty)
                {
                    // A last event without its blank line: relayed as it is.
                    relay.Handle(buffer);
                    buffer = buffer.Slice(buffer.End);
                    await SettleHeldEndAsync(call, relay);
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                var flush = await http.Response.BodyWriter.FlushAsync(aborted);
                if (flush.IsCanceled || flush.IsCompleted || result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
            // The client left (the upstream request is cancelled as the response is disposed), the upstream broke, or it
            // stalled past the idle timeout.
            broken = e is OperationCanceledException ? "it stopped sending its stream" : $"its stream broke ({e.GetBaseException().Message})";
        }
        finally
        {
            await reader.CompleteAsync();
        }

        if (call.Figures is not null)
        {
            return;
        }

        // Ended without its last event (broken, stalled, or closed early): charged what was delivered.
        var delivered = relay.PriceCounted();
        call.Figures = delivered;
        await call.BeforeLastByte(delivered);
        if (broken is not null && !aborted.IsCancellationRequested)
        {
            relay.WriteBroken($"The upstream '{call.Route.Upstream}' failed mid-answer: {broken}.", delivered);
            try
            {
                await http.Response.BodyWriter.FlushAsync(aborted);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                // The client left meanwhile.
            }
        }
    }

    /// <summary>Once the relay holds the stream's last event, the request is settled, then the event goes out.</summary>
    private static async ValueTask SettleHeldEndAsync(UpstreamCall call, StreamRelay relay)
    {
        if (!relay.HoldsEnd)
        {
            return;
        }

        call.Figures = relay.Figures;
        call.Cacheable = relay.Cacheable();
        await call.BeforeLastByte(relay.Figures!.Value);
        relay.WriteHeldEnd();
    }

    /// <summary>One relayed stream's state: what it passes on of each event, and its figures.</summary>
    private abstract class StreamRelay
    {
        /// <summary>The stream's figures, once its usage or its end priced it.</summary>
        public RequestFigures? Figures { get; protected set; }

        /// <summary>Whether the stream's last event arrived and is held until the request is settled.</summary>
        public abstract bool HoldsEnd { get; }

        /// <summary>Called once the response's headers are out.</summary>
        public virtual void Start()
        {
        }

        public void Handle(ReadOnlySequence<byte> sseEvent)
        {
            var rented = ArrayPool<byte>.Shared.Rent((int)sseEvent.Length);
            try
            {
                var span = rented.AsSpan(0, (int)sseEvent.Length);
                sseEvent.CopyTo(span);
                Handle(span);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        /// <summary>Writes the held last event (once).</summary>
        public abstract void WriteHeldEnd();

        /// <summary>What the cache keeps of the streamed answer, or null when it should not be kept.</summary>
        public virtual CachedAnswer? Cacheable() => null;

        /// <summary>Prices what the stream delivered when it ended without its usage.</summary>
        public abstract RequestFigures PriceCounted();

        /// <summary>Ends a stream that broke after its first byte with the client's format's error event.</summary>
        public abstract void WriteBroken(string message, RequestFigures charged);

        protected abstract void Handle(ReadOnlySpan<byte> sseEvent);
    }

    /// <summary>
    /// What the cache keeps of a streamed chat answer: a chat.completion body assembled from the stream's first chunk (id,
    /// created, model) and its text; null when it should not be kept (filtered, cut by a tool call).
    /// </summary>
    private static CachedAnswer? CachedFromStream(UpstreamCall call, byte[] firstChunk, string content, string? finishReason, RequestFigures figures)
    {
        if (content.Length == 0 || finishReason is not ("stop" or "length" or null))
        {
            return null;
        }

        var first = JsonNode.Parse(firstChunk) as JsonObject;
        var model = first?["model"] is JsonValue m && m.GetValueKind() == JsonValueKind.String ? m.GetValue<string>() : call.Route.UpstreamModel;
        var body = new JsonObject
        {
            ["id"] = first?["id"]?.DeepClone(),
            ["object"] = "chat.completion",
            ["created"] = first?["created"]?.DeepClone(),
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
                ["finish_reason"] = finishReason,
            }),
        };
        return new CachedAnswer(model, content, finishReason, body.ToJsonString(), figures.Usage.PromptTokens, figures.Usage.CompletionTokens, figures.Energy.Joules, figures.CarbonGrams);
    }

    /// <summary>Splits off one server-sent event, up to and including its blank line (LF LF or CRLF CRLF).</summary>
    private static bool TryReadEvent(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> sseEvent)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (reader.TryAdvanceTo((byte)'\n'))
        {
            if (reader.IsNext((byte)'\n', advancePast: true) || reader.IsNext("\r\n"u8, advancePast: true))
            {
                sseEvent = buffer.Slice(0, reader.Position);
                buffer = buffer.Slice(reader.Position);
                return true;
            }
        }

        sseEvent = default;
        return false;
    }

    /// <summary>A chat completions or completions stream, relayed as sent but for the figures spliced into its usage chunk.</summary>
    private sealed class SseRelay(UpstreamCall call, EnergyAccountant accountant, double? reportedJoules, PipeWriter output) : StreamRelay
    {
        private byte[]? _heldDone;
        private int _chunks;
        private byte[]? _firstChunk;

        // The answer's text, assembled only when it may be cached.
        private System.Text.StringBuilder? _content = call.KeepForCache ? new() : null;
        private string? _finishReason;

        /// <summary>The <c>[DONE]</c> event is held back until the request is settled.</summary>
        public override bool HoldsEnd => _heldDone is not null;

        public override void WriteHeldEnd()
        {
            output.Write(_heldDone);
            _heldDone = null;
        }

        public override void WriteBroken(string message, RequestFigures charged) => AnswerWriter.WriteErrorEvent(output, message);

        protected override void Handle(ReadOnlySpan<byte> sseEvent)
        {
            var data = DataOf(sseEvent);
            if (data.SequenceEqual("[DONE]"u8))
            {
                if (Figures is null)
                {
                    Figures = PriceCounted();
                    if (call.Request.ClientWantsStreamUsage)
                    {
                        WriteSynthesizedUsage(Figures.Value);
                    }
                }

                _heldDone = sseEvent.ToArray();
                return;
            }

            if (!data.IsEmpty && HasUsageObject(data) && HandleUsageChunk(data))
            {
                return;
            }

            if (!data.IsEmpty)
            {
                _chunks++;
                _firstChunk ??= data.ToArray();
                Collect(data);
            }

            output.Write(sseEvent);
        }

        /// <summary>A chunk with a usage object: the final one is priced (figures spliced in, or dropped when not asked for).</summary>
        private bool HandleUsageChunk(ReadOnlySpan<byte> data)
        {
            var site = LocateUsage(data);
            if (site.Kind is not (UsageSiteKind.IntoUsage or UsageSiteKind.Rewrite))
            {
                return false;
            }

            using var chunk = JsonDocument.Parse(data.ToArray());
            var root = chunk.RootElement;
            if (root.TryGetProperty("choices"u8, out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
            {
                // Usage on every chunk (vLLM's continuous_usage_stats): a content chunk all the same, relayed as sent.
                return false;
            }

            var reported = site.Reported;
            double? joules = reportedJoules;
            if (joules is null && root.TryGetProperty("usage"u8, out var usage) && usage.ValueKind == JsonValueKind.Object
                && usage.TryGetProperty("energy_joules"u8, out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var usageJoules))
            {
                // A stream's energy is known only at its end: servers that measure it (the project's model host) put it in
                // the usage chunk, since headers went out with the first byte.
                joules = usageJoules;
            }

            var counted = new TokenUsage(call.Request.PromptTokenEstimate, _chunks, Counted: true);
            Figures = accountant.PriceUpstream(call.Route, call.Request, reported, counted, joules, call.Grid, call.Elapsed);
            if (call.Request.ClientWantsStreamUsage)
            {
                if (site.Kind == UsageSiteKind.Rewrite)
                {
                    WriteSynthesizedUsage(Figures.Value);
                }
                else
                {
                    output.Write("data: "u8);
                    WriteSpliced(output, data, site, Figures.Value);
                    output.Write("\n\n"u8);
                }
            }

            return true;
        }

        /// <summary>What the cache keeps of the streamed answer, or null when it should not be kept.</summary>
        public override CachedAnswer? Cacheable() =>
            _content is not { Length: > 0 } || Figures is not { } figures || _firstChunk is null ? null : CachedFromStream(call, _firstChunk, _content.ToString(), _finishReason, figures);

        private void Collect(ReadOnlySpan<byte> data)
        {
            if (_content is null)
            {
                return;
            }

            try
            {
                var choice = JsonNode.Parse(data)?["choices"]?[0];
                if (choice?["delta"]?["content"] is JsonValue text && text.GetValueKind() == JsonValueKind.String)
                {
                    _content.Append(text.GetValue<string>());
                }

                if (choice?["delta"]?["tool_calls"] is not null)
                {
                    _content = null; // tool calls are not cached
                    return;
                }

                if (choice?["finish_reason"] is JsonValue finish && finish.GetValueKind() == JsonValueKind.String)
                {
                    _finishReason = finish.GetValue<string>();
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
            {
                // Not a chunk the cache can read (not JSON, a member twice): the answer is not kept.
                _content = null;
            }
        }

        /// <summary>Prices what the stream delivered when its upstream reported no usage: each content chunk is about one
        /// token, as OpenAI-compatible servers send one chunk per generated token.</summary>
        public override RequestFigures PriceCounted()
        {
            var usage = new TokenUsage(call.Request.PromptTokenEstimate, _chunks, Counted: true);
            return accountant.PriceUpstream(call.Route, call.Request, null, usage, reportedJoules, call.Grid, call.Elapsed);
        }

        private void WriteSynthesizedUsage(RequestFigures figures)
        {
            JsonNode? id = null, created = null, model = null;
            try
            {
                if (_firstChunk is not null && JsonNode.Parse(_firstChunk) is JsonObject first)
                {
                    (id, created, model) = (first["id"], first["created"], first["model"]);
                }
            }
            catch (Exception e) when (e is JsonException or ArgumentException)
            {
                // An upstream chunk that was not JSON: the usage chunk is the gateway's own.
            }

            output.Write("data: "u8);
            using (var w = new Utf8JsonWriter(output))
            {
                w.WriteStartObject();
                WriteCopied(w, "id", id);
                w.WriteString("object"u8, "chat.completion.chunk"u8);
                WriteCopied(w, "created", created);
                WriteCopied(w, "model", model ?? JsonValue.Create(call.Route.UpstreamModel));
                w.WriteStartArray("choices"u8);
                w.WriteEndArray();
                w.WriteStartObject("usage"u8);
                FigureFormat.WriteUsageMembers(w, figures, CascadeTiers.Upstream, withTokens: true);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            output.Write("\n\n"u8);
        }

        private static void WriteCopied(Utf8JsonWriter w, string name, JsonNode? value)
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

        /// <summary>The payload of the event's data line(s); for several, the first (OpenAI-compatible servers send one).</summary>
        internal static ReadOnlySpan<byte> DataOf(ReadOnlySpan<byte> sseEvent)
        {
            while (!sseEvent.IsEmpty)
            {
                var end = sseEvent.IndexOf((byte)'\n');
                var line = end < 0 ? sseEvent : sseEvent[..end];
                sseEvent = end < 0 ? default : sseEvent[(end + 1)..];
                line = line.TrimEnd((byte)'\r');
                if (line.StartsWith("data:"u8))
                {
                    return line[5..].Trim((byte)' ');
                }
            }

            return default;
        }

        /// <summary>A cheap test before parsing: does the chunk hold <c>"usage": {</c> (not <c>null</c>)?</summary>
        private static bool HasUsageObject(ReadOnlySpan<byte> data)
        {
            var at = data.IndexOf("\"usage\""u8);
            if (at < 0)
            {
                return false;
            }

            var rest = data[(at + 7)..].TrimStart(" \t\r\n"u8);
            return rest.Length > 1 && rest[0] == (byte)':' && rest[1..].TrimStart(" \t\r\n"u8) is [(byte)'{', ..];
        }
    }
}
