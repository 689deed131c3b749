using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using GreenGateway.Configuration;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Requests;
using GreenGateway.Upstreams;
using Microsoft.Extensions.Options;

namespace GreenGateway.Speculative;

/// <summary>
/// Scores drafted tokens with the large model in one call, by the protocol vLLM speaks (and the model host):
/// <c>POST /v1/completions</c> with the prompt as token ids (the conversation so far plus the k drafted
/// tokens), <c>max_tokens: 1</c>, <c>prompt_logprobs</c> (each prompt token's log-probability and rank, and
/// the top alternatives) and <c>logprobs</c> with <c>return_tokens_as_token_ids</c> (the next token's id).
/// Calls ride the upstream's YARP cluster (<see cref="ClusterClient"/>): health checks, load balancing, retries.
/// </summary>
internal sealed class YarpVerifier(ClusterClient cluster, IOptions<GatewayConfig> options) : IVerifier
{
    private readonly GatewayConfig _config = options.Value;

    public async ValueTask<Verification?> VerifyAsync(ModelRoute route, IReadOnlyList<int> context, IReadOnlyList<int> drafted,
        double temperature, int topLogprobs, int? seed, CancellationToken cancellationToken)
    {
        if (!_config.Upstreams.TryGetValue(route.Upstream, out var settings))
        {
            return null;
        }

        var body = Body(route.UpstreamModel, context, drafted, temperature, topLogprobs, seed);
        var key = settings.ResolveApiKey();
        try
        {
            using var response = await cluster.SendAsync(route.Upstream, destination =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, destination.TrimEnd('/') + "/completions")
                {
                    Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
                };
                if (key is { Length: > 0 })
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                }

                return request;
            }, TimeSpan.FromSeconds(settings.ResponseTimeoutSeconds), cancellationToken);
            if (response is null || !response.IsSuccessStatusCode)
            {
                return null;
            }

            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var header = response.Headers.TryGetValues("X-Energy-Joules", out var values)
                && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var j) ? j : (double?)null;
            return Parse(bytes, context.Count, drafted, header);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or FormatException or InvalidOperationException or KeyNotFoundException or IndexOutOfRangeException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // An answer that is not a verification: the caller goes on to the large model alone.
            return null;
        }
    }

    internal static byte[] Body(string model, IReadOnlyList<int> context, IReadOnlyList<int> drafted, double temperature, int topLogprobs, int? seed)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", model);
            w.WriteStartArray("prompt");
            foreach (var id in context)
            {
                w.WriteNumberValue(id);
            }

            foreach (var id in drafted)
            {
                w.WriteNumberValue(id);
            }

            w.WriteEndArray();
            w.WriteNumber("max_tokens", 1);
            w.WriteNumber("temperature", temperature);
            w.WriteNumber("prompt_logprobs", topLogprobs);
            w.WriteNumber("logprobs", 1);
            w.WriteBoolean("return_tokens_as_token_ids", true);
            if (seed is { } s)
            {
                w.WriteNumber("seed", s);
            }

            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a verification response; throws <see cref="FormatException"/> when it is not one.</summary>
    internal static Verification Parse(byte[] json, int contextLength, IReadOnlyList<int> drafted, double? headerJoules)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var choice = root.GetProperty("choices")[0];
        var promptLogprobs = choice.GetProperty("prompt_logprobs");
        if (promptLogprobs.ValueKind != JsonValueKind.Array || promptLogprobs.GetArrayLength() < contextLength + drafted.Count)
        {
            throw new FormatException("the upstream's prompt_logprobs do not cover the drafted tokens (does it speak vLLM's prompt_logprobs?)");
        }

        var tokens = new List<VerifiedToken>(drafted.Count);
        for (var i = 0; i < drafted.Count; i++)
        {
            tokens.Add(Position(promptLogprobs[contextLength + i], drafted[i]));
        }

        var logprobs = choice.GetProperty("logprobs");
        var next = logprobs.GetProperty("tokens")[0].GetString() ?? "";
        if (!next.StartsWith("token_id:", StringComparison.Ordinal) || !int.TryParse(next.AsSpan(9), NumberStyles.None, CultureInfo.InvariantCulture, out var nextId))
        {
            throw new FormatException($"the upstream named its next token '{next}', not token_id:N (return_tokens_as_token_ids)");
        }

        var nextLogprob = logprobs.GetProperty("token_logprobs")[0].GetSingle();
        double? joules = headerJoules;
        var uncached = contextLength + drafted.Count;
        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            if (usage.TryGetProperty("energy_joules", out var e) && e.ValueKind == JsonValueKind.Number)
            {
                joules = e.GetDouble();
            }

            if (usage.TryGetProperty("prompt_tokens_details", out var details) && details.ValueKind == JsonValueKind.Object
                && details.TryGetProperty("cached_tokens", out var cached) && cached.ValueKind == JsonValueKind.Number)
            {
                uncached = Math.Max(0, uncached - cached.GetInt32());
            }
        }

        return new Verification(tokens, nextId, nextLogprob, joules, uncached);
    }

    private static VerifiedToken Position(JsonElement entry, int drafted)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("a prompt_logprobs entry of a drafted token is not an object");
        }

        var draftedLogprob = float.NegativeInfinity;
        var rank = int.MaxValue;
        var top = new List<(int Id, float Logprob, int Rank)>();
        foreach (var property in entry.EnumerateObject())
        {
            var id = int.Parse(property.Name, NumberStyles.None, CultureInfo.InvariantCulture);
            var lp = property.Value.GetProperty("logprob").GetSingle();
            var r = property.Value.TryGetProperty("rank", out var rankElement) && rankElement.ValueKind == JsonValueKind.Number ? rankElement.GetInt32() : int.MaxValue;
            if (id == drafted)
            {
                draftedLogprob = lp;
                rank = r;
            }

            top.Add((id, lp, r));
        }

        // Most likely first (the drafted token is listed whatever its rank, as vLLM does).
        top.Sort(static (a, b) => a.Rank != b.Rank ? a.Rank.CompareTo(b.Rank) : b.Logprob.CompareTo(a.Logprob));
        var alternatives = new List<(int Id, float Logprob)>(top.Count);
        foreach (var (id, lp, _) in top)
        {
            alternatives.Add((id, lp));
        }

        return new VerifiedToken(drafted, draftedLogprob, rank, alternatives);
    }
}
