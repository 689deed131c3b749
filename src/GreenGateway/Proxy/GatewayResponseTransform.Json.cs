using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Accounting;
using GreenGateway.Answers;
using GreenGateway.Core.Cache;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Energy;
using GreenGateway.Core.Requests;

namespace GreenGateway.Proxy;

internal static partial class GatewayResponseTransform
{
    private static async Task RewriteJsonAsync(HttpContext http, UpstreamCall call, HttpResponseMessage response, EnergyAccountant accountant, long maxBytes, TimeSpan idle)
    {
        var (body, why) = await ReadAnswerAsync(http, response, maxBytes, idle);
        if (body is null)
        {
            await WriteUpstreamFailedAsync(http, call, why!);
            return;
        }

        var site = LocateUsage(body);
        if (site.Kind == UsageSiteKind.NotAnObject || !site.HasAnswer)
        {
            // A 200 that is not the endpoint's answer (an HTML page, a truncated body, an object without choices) is
            // not an answer: it is not relayed as one, nor charged.
            var what = call.Request.Kind == ApiKind.Embeddings ? "a JSON object with 'data'" : "a JSON object with 'choices'";
            await WriteUpstreamFailedAsync(http, call, $"it answered 200 with a body that is not {what}.");
            return;
        }

        // The body is parsed (JsonDocument, pooled) only when its answer is needed: tokens to count, or a cache to fill.
        using var document = site.Reported is null || call.KeepForCache || site.Kind == UsageSiteKind.Rewrite ? JsonDocument.Parse(body) : null;
        var reported = site.Kind == UsageSiteKind.Rewrite ? ReadUsage(document!.RootElement) : site.Reported;
        var counted = CountUsage(call.Request, document?.RootElement);
        var figures = accountant.PriceUpstream(call.Route, call.Request, reported, counted, ReportedJoules(response), call.Grid, call.Elapsed);
        call.Status = StatusCodes.Status200OK;
        call.Figures = figures;
        call.Cacheable = call.KeepForCache && document is not null ? Cacheable(document.RootElement, body, figures) : null;

        FigureFormat.WriteHeaders(http.Response.Headers, figures);
        await call.BeforeLastByte(figures);
        if (site.Kind == UsageSiteKind.Rewrite)
        {
            var rewritten = Rewrite(document!.RootElement, figures);
            http.Response.ContentLength = rewritten.Length;
            await http.Response.Body.WriteAsync(rewritten, http.RequestAborted);
            return;
        }

        WriteSpliced(http.Response, body, site, figures);
        await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
    }

    /// <summary>
    /// The general path, for what the splice leaves alone (a body that already carries figures, two usage members) and
    /// for Responses API objects (<paramref name="responses"/>: input_tokens and output_tokens where the gateway writes
    /// the tokens): the body written again member by member, its usage with the gateway's figures in place of any it had.
    /// </summary>
    private static byte[] Rewrite(JsonElement root, in RequestFigures figures, bool responses = false)
    {
        var output = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            var wroteUsage = false;
            foreach (var member in root.EnumerateObject())
            {
                if (member.NameEquals("usage"u8))
                {
                    if (wroteUsage)
                    {
                        continue;
                    }

                    wroteUsage = true;
                    w.WriteStartObject("usage"u8);
                    var tokens = member.Value.ValueKind != JsonValueKind.Object;
                    if (!tokens)
                    {
                        foreach (var field in member.Value.EnumerateObject())
                        {
                            if (!IsFigure(field))
                            {
                                field.WriteTo(w);
                            }
                        }
                    }

                    WriteUsageMembers(w, figures, tokens, responses);
                    w.WriteEndObject();
                    continue;
                }

                member.WriteTo(w);
            }

            if (!wroteUsage)
            {
                w.WriteStartObject("usage"u8);
                WriteUsageMembers(w, figures, withTokens: true, responses);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();

        static void WriteUsageMembers(Utf8JsonWriter w, in RequestFigures figures, bool withTokens, bool responses)
        {
            if (responses)
            {
                FigureFormat.WriteResponsesUsageMembers(w, figures, CascadeTiers.Upstream, withTokens);
            }
            else
            {
                FigureFormat.WriteUsageMembers(w, figures, CascadeTiers.Upstream, withTokens);
            }
        }

        static bool IsFigure(JsonProperty field) =>
            field.NameEquals("energy_joules"u8) || field.NameEquals("carbon_gco2e"u8) || field.NameEquals("baseline_energy_joules"u8)
            || field.NameEquals("energy_method"u8) || field.NameEquals("baseline_method"u8) || field.NameEquals("tier"u8) || field.NameEquals("speculative"u8);
    }

    /// <summary>What the cache keeps of a chat completion, or null when it should not be kept (no text, tool calls,
    /// filtered). An answer cut at max_tokens is kept: max_tokens is part of the partition, so it answers only the same limit.</summary>
    private static CachedAnswer? Cacheable(JsonElement root, byte[] body, RequestFigures figures)
    {
        if (!root.TryGetProperty("choices"u8, out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
        {
            return null;
        }

        var choice = choices[0];
        var content = choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("message"u8, out var message) && message.ValueKind == JsonValueKind.Object
            && message.TryGetProperty("content"u8, out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;
        string? finish = null;
        if (choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("finish_reason"u8, out var reason) && reason.ValueKind != JsonValueKind.Null)
        {
            finish = reason.ValueKind == JsonValueKind.String ? reason.GetString() : "";
        }

        if (string.IsNullOrEmpty(content) || finish is not ("stop" or "length" or null))
        {
            return null;
        }

        var model = root.TryGetProperty("model"u8, out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() ?? "" : "";

        // The upstream's own body, before the figures: the cache adds its own when it answers.
        return new CachedAnswer(model, content, finish, System.Text.Encoding.UTF8.GetString(body),
            figures.Usage.PromptTokens, figures.Usage.CompletionTokens, figures.Energy.Joules, figures.CarbonGrams);
    }

    /// <summary>Token counts as the upstream reported them in its usage object, or null when it reported none.</summary>
    private static TokenUsage? ReadUsage(JsonElement root)
    {
        if (!root.TryGetProperty("usage"u8, out var usage) || usage.ValueKind != JsonValueKind.Object
            || !usage.TryGetProperty("prompt_tokens"u8, out var p) || p.ValueKind != JsonValueKind.Number || !p.TryGetInt32(out var prompt))
        {
            return null;
        }

        var completion = usage.TryGetProperty("completion_tokens"u8, out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var n) ? n : 0;
        return new TokenUsage(prompt, completion, Counted: false);
    }

    /// <summary>Counts tokens as the gateway sees them: the request's prompt estimate and the answer's text.</summary>
    private static TokenUsage CountUsage(OpenAiRequest request, JsonElement? root)
    {
        var completion = 0;
        if (root is { ValueKind: JsonValueKind.Object } body && body.TryGetProperty("choices"u8, out var choices) && choices.ValueKind == JsonValueKind.Array)
        {
            foreach (var choice in choices.EnumerateArray())
            {
                if (choice.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                if (choice.TryGetProperty("message"u8, out var message) && message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content"u8, out var content))
                {
                    completion += Count(content);
                }

                if (choice.TryGetProperty("text"u8, out var text))
                {
                    completion += Count(text);
                }
            }
        }

        return new TokenUsage(request.PromptTokenEstimate, completion, Counted: true);

        static int Count(JsonElement value) => value.ValueKind == JsonValueKind.String ? TokenEstimator.Estimate(value.GetString()!) : 0;
    }

    /// <summary>The upstream's whole answer (up to <paramref name="maxBytes"/>), or why it could not be read.</summary>
    private static async Task<(byte[]? Body, string? Why)> ReadAnswerAsync(HttpContext http, HttpResponseMessage response, long maxBytes, TimeSpan idle)
    {
        try
        {
            return (await ReadBoundedAsync(response.Content, maxBytes, idle, http.RequestAborted), null);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException || (e is OperationCanceledException && !http.RequestAborted.IsCancellationRequested))
        {
            return (null, e is OperationCanceledException ? "it stopped sending its response" : e.Message);
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, long maxBytes, TimeSpan idle, CancellationToken aborted)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        await using var stream = await content.ReadAsStreamAsync(aborted);
        if (content.Headers.ContentLength is { } length and >= 0 and < 1 << 24)
        {
            if (length > maxBytes)
            {
                throw new InvalidDataException($"the response is larger than Gateway.MaxResponseBodyBytes ({maxBytes} bytes)");
            }

            return await KnownLengthBody.ReadAsync(stream, length, () =>
            {
                timeout.CancelAfter(idle);
                return timeout.Token;
            });
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            timeout.CancelAfter(idle);
            var read = await stream.ReadAsync(buffer.GetMemory(8192), timeout.Token);
            if (read == 0)
            {
                return buffer.WrittenSpan.ToArray();
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
            {
                throw new InvalidDataException($"the response is larger than Gateway.MaxResponseBodyBytes ({maxBytes} bytes)");
            }
        }
    }
}
