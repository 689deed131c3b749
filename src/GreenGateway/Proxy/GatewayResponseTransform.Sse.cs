using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Accounting;
using GreenGateway.Cache;
using GreenGateway.Core.Cache;
using GreenGateway.Core.Energy;

namespace GreenGateway.Proxy;

internal static partial class GatewayResponseTransform
{
    private static async Task RelayEventStreamAsync(HttpContext http, GatewayExchange exchange, HttpResponseMessage response, EnergyAccountant accountant, TimeSpan idle)
    {
        var aborted = http.RequestAborted;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var relay = new SseRelay(exchange, accountant, ReportedJoules(response), http.Response.BodyWriter);
        var reader = PipeReader.Create(await response.Content.ReadAsStreamAsync(aborted), new StreamPipeReaderOptions(bufferSize: 4096));
        var finished = false;
        try
        {
            await http.Response.StartAsync(aborted);
            while (true)
            {
                timeout.CancelAfter(idle);
                var result = await reader.ReadAsync(timeout.Token);
                var buffer = result.Buffer;
                while (TryReadEvent(ref buffer, out var sseEvent))
                {
                    relay.Handle(sseEvent);
                    if (relay.HeldDone is { } done)
                    {
                        // Settled before the client sees the end of the stream.
                        await http.RequestServices.GetRequiredService<ExchangeSettlement>().SettleAsync(exchange, exchange.UpstreamStatus!.Value);
                        http.Response.BodyWriter.Write(done);
                        relay.HeldDone = null;
                        if (relay.Cacheable() is { } answer)
                        {
                            http.RequestServices.GetRequiredService<CacheTier>().Remember(exchange.CacheQuery!, answer);
                        }
                    }
                }

                if (result.IsCompleted && !buffer.IsEmpty)
                {
                    // A last event without its blank line: relayed as it is.
                    relay.Handle(buffer);
                    buffer = buffer.Slice(buffer.End);
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                var flush = await http.Response.BodyWriter.FlushAsync(aborted);
                if (flush.IsCanceled || flush.IsCompleted || result.IsCompleted)
                {
                    finished = result.IsCompleted;
                    break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
            // The client left (the upstream request is cancelled as the response is disposed), the
            // upstream broke, or it stalled past the idle timeout.
        }
        finally
        {
            await reader.CompleteAsync();
            exchange.Figures ??= relay.PriceCounted();
        }

        if (!finished && !aborted.IsCancellationRequested)
        {
            // The client must see a broken stream, never a clean end that hides a truncated answer.
            http.Abort();
        }
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

    /// <summary>The state of one relayed stream.</summary>
    private sealed class SseRelay(GatewayExchange exchange, EnergyAccountant accountant, double? reportedJoules, PipeWriter output)
    {
        private int _chunks;
        private byte[]? _firstChunk;

        // The answer's text, assembled only when it may be cached.
        private System.Text.StringBuilder? _content = exchange.CacheQuery is null ? null : new();
        private string? _finishReason;

        /// <summary>The <c>[DONE]</c> event, held back until the exchange is settled.</summary>
        public byte[]? HeldDone { get; set; }

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

        private void Handle(ReadOnlySpan<byte> sseEvent)
        {
            var data = DataOf(sseEvent);
            if (data.SequenceEqual("[DONE]"u8))
            {
                if (exchange.Figures is null)
                {
                    exchange.Figures = PriceCounted();
                    if (exchange.Request.ClientWantsStreamUsage)
                    {
                        WriteEvent(SynthesizeUsageChunk(exchange.Figures.Value));
                    }
                }

                HeldDone = sseEvent.ToArray();
                return;
            }

            if (!data.IsEmpty && HasUsageObject(data) && JsonNode.Parse(data) is JsonObject chunk && chunk["usage"] is JsonObject usage)
            {
                HandleUsageChunk(chunk, usage);
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

        private void HandleUsageChunk(JsonObject chunk, JsonObject usage)
        {
            var final = chunk["choices"] is not JsonArray { Count: > 0 };
            if (!final)
            {
                // Usage on every chunk (vLLM's continuous_usage_stats): a content chunk all the same.
                _chunks++;
                if (!exchange.Request.ClientWantsStreamUsage)
                {
                    chunk["usage"] = null;
                }

                WriteEvent(chunk);
                return;
            }

            var tokens = ReadUsage(usage) ?? new TokenUsage(exchange.Request.PromptTokenEstimate, _chunks, Counted: true);

            // A stream's energy is known only at its end: servers that measure it (the project's model
            // host) put it in the usage chunk, since headers went out with the first byte.
            var reported = reportedJoules ?? (usage["energy_joules"] is JsonValue v && v.TryGetValue<double>(out var joules) && joules >= 0 ? joules : null);
            var figures = accountant.Price(exchange.Route, tokens, reported, exchange.Grid, exchange.Elapsed);
            exchange.Figures = figures;
            if (exchange.Request.ClientWantsStreamUsage)
            {
                AddFigures(usage, figures);
                WriteEvent(chunk);
            }
        }

        /// <summary>What the cache keeps of the streamed answer, or null when it should not be kept.</summary>
        public CachedAnswer? Cacheable()
        {
            if (_content is not { Length: > 0 } || _finishReason is not ("stop" or "length" or null) || exchange.Figures is not { } figures || _firstChunk is null)
            {
                return null;
            }

            var first = JsonNode.Parse(_firstChunk) as JsonObject;
            var model = first?["model"]?.GetValue<string>() ?? exchange.Route.UpstreamModel;
            var content = _content.ToString();
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
                    ["finish_reason"] = _finishReason,
                }),
            };
            return new CachedAnswer(model, content, _finishReason, body.ToJsonString(), figures.Usage.PromptTokens, figures.Usage.CompletionTokens, figures.Energy.Joules, figures.CarbonGrams);
        }

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
            catch (JsonException)
            {
                _content = null;
            }
        }

        /// <summary>Prices a stream whose upstream reported no usage: each content chunk is about one token,
        /// as OpenAI-compatible servers send one chunk per generated token.</summary>
        public RequestFigures PriceCounted()
        {
            var usage = new TokenUsage(exchange.Request.PromptTokenEstimate, _chunks, Counted: true);
            return accountant.Price(exchange.Route, usage, reportedJoules, exchange.Grid, exchange.Elapsed);
        }

        private JsonObject SynthesizeUsageChunk(RequestFigures figures)
        {
            var first = _firstChunk is null ? null : JsonNode.Parse(_firstChunk) as JsonObject;
            var usage = new JsonObject
            {
                ["prompt_tokens"] = figures.Usage.PromptTokens,
                ["completion_tokens"] = figures.Usage.CompletionTokens,
                ["total_tokens"] = figures.Usage.TotalTokens,
            };
            AddFigures(usage, figures);
            return new JsonObject
            {
                ["id"] = first?["id"]?.DeepClone(),
                ["object"] = first?["object"]?.DeepClone() ?? "chat.completion.chunk",
                ["created"] = first?["created"]?.DeepClone(),
                ["model"] = first?["model"]?.DeepClone() ?? exchange.Route.UpstreamModel,
                ["choices"] = new JsonArray(),
                ["usage"] = usage,
            };
        }

        private void WriteEvent(JsonObject chunk)
        {
            output.Write("data: "u8);
            using (var writer = new Utf8JsonWriter(output))
            {
                chunk.WriteTo(writer);
            }

            output.Write("\n\n"u8);
        }

        /// <summary>The payload of the event's data line(s); for several, the first (OpenAI-compatible servers send one).</summary>
        private static ReadOnlySpan<byte> DataOf(ReadOnlySpan<byte> sseEvent)
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
