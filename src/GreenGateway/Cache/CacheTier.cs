using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Accounting;
using GreenGateway.Cascade;
using GreenGateway.Configuration;
using GreenGateway.Core.Cache;
using GreenGateway.Core.Energy;
using GreenGateway.Core.Requests;
using GreenGateway.Proxy;

namespace GreenGateway.Cache;

/// <summary>
/// Tier 1: answers a chat completion from the semantic cache when an earlier answer in the same
/// partition (tenant, model, generation parameters, conversation so far) matches, and remembers the
/// upstream's answers for the next time. A hit is charged the energy of the lookup, and reports the
/// original answer's energy as its baseline.
/// </summary>
internal sealed partial class CacheTier(ISemanticCache cache, CacheSettings settings, EnergyAccountant accountant, ILogger<CacheTier> logger)
{
    public const string Name = "cache";

    /// <summary>The cache query for a request, or null when the request cannot be cached at all.</summary>
    public CacheQuery? QueryFor(OpenAiRequest request, string tenantId)
    {
        if (!settings.Enabled || request.Kind != ApiKind.ChatCompletions || request.Choices != 1
            || request.Body["logprobs"]?.GetValueKind() == JsonValueKind.True || request.Body["messages"] is not JsonArray messages)
        {
            return null;
        }

        if (LastUserText(request) is not { Length: > 0 } prompt)
        {
            return null;
        }

        var earlier = new List<CacheMessage>(messages.Count - 1);
        for (var i = 0; i < messages.Count - 1; i++)
        {
            // Earlier turns are hashed as sent (tool calls included), so any difference is another partition.
            earlier.Add(new CacheMessage(messages[i]!["role"]!.GetValue<string>(), messages[i]!.ToJsonString()));
        }

        var parameters = new CacheParameters
        {
            Temperature = Number(request.Body["temperature"]),
            TopP = Number(request.Body["top_p"]),
            MaxTokens = request.MaxTokens,
            Seed = request.Body["seed"] is JsonValue seed && seed.TryGetValue<long>(out var s) ? s : null,
            PresencePenalty = Number(request.Body["presence_penalty"]),
            FrequencyPenalty = Number(request.Body["frequency_penalty"]),
            Stop = request.Body["stop"] switch
            {
                JsonArray stops => stops.Select(x => x?.ToJsonString() ?? "").ToList(),
                JsonNode stop => [stop.ToJsonString()],
                null => null,
            },
            ToolsJson = Concat(request.Body["tools"], request.Body["tool_choice"]),
            ResponseFormatJson = request.Body["response_format"]?.ToJsonString(),
        };
        var partition = new CachePartition(tenantId, request.Model, parameters.Hash(), CacheKeys.ContextHash(earlier));
        return new CacheQuery(partition, prompt, Number(request.Body["temperature"]));
    }

    /// <summary>
    /// Answers from the cache when it can; false (and nothing written) on a miss, a bypass, a cache failure, or a
    /// draft model's answer that <paramref name="plan"/> would not take (<see cref="CascadePlan.Serves"/>).
    /// </summary>
    public async Task<bool> TryAnswerAsync(HttpContext context, GatewayExchange exchange, CacheQuery query, CascadePlan plan)
    {
        var started = Stopwatch.GetTimestamp();
        CacheLookupResult lookup;
        try
        {
            lookup = await cache.LookupAsync(query, context.RequestAborted);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The cache is an optimisation: when it is away, the request goes on to the upstream.
            Log.LookupFailed(logger, e.Message);
            return false;
        }

        if (lookup.Entry is not { } entry || !plan.Serves(entry.Answer.Draft))
        {
            return false;
        }

        var answer = entry.Answer;
        var joules = Stopwatch.GetElapsedTime(started).TotalSeconds * settings.WattsPerCore;
        var usage = new TokenUsage(answer.PromptTokens, answer.CompletionTokens, Counted: false);
        var figures = accountant.PriceMeasured(new EnergyFigure(joules, EnergyMethod.Modelled), usage, exchange.Grid, answer.EnergyJoules);
        exchange.Tier = Name;
        context.Response.Headers["X-GG-Cache"] = lookup.Kind == CacheLookupKind.ExactHit ? "exact" : "semantic";
        context.Response.Headers["X-GG-Cache-Similarity"] = RequestFigures.Format(lookup.Similarity);
        if (answer.Draft is not null)
        {
            context.Response.Headers["X-GG-Cache-Source"] = "draft";
        }

        var template = exchange.Request.Stream ? null : JsonNode.Parse(answer.ResponseJson) as JsonObject;
        await LocalAnswerWriter.WriteAsync(context, exchange, answer.Model, answer.Content, answer.FinishReason, figures, template);
        return true;
    }

    /// <summary>
    /// Remembers an answer the gateway produced itself, with the large model's cost as its energy (a hit's baseline):
    /// the large model's own (a lossless speculative answer; <paramref name="draft"/> null) or the draft model's alone,
    /// with its confidence.
    /// </summary>
    public void RememberLocal(CacheQuery query, string model, string content, string finishReason, RequestFigures figures, DraftProvenance? draft = null)
    {
        if (content.Length == 0)
        {
            return;
        }

        var body = new JsonObject
        {
            ["object"] = "chat.completion",
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
                ["finish_reason"] = finishReason,
            }),
        };
        Remember(query, new CachedAnswer(model, content, finishReason, body.ToJsonString(), figures.Usage.PromptTokens, figures.Usage.CompletionTokens,
            figures.BaselineJoules, figures.CarbonGrams * (figures.Energy.Joules > 0 ? figures.BaselineJoules / figures.Energy.Joules : 1), draft));
    }

    /// <summary>Remembers an upstream answer in the background; a failure is logged, never seen by the client.</summary>
    public void Remember(CacheQuery query, CachedAnswer answer) => _ = RememberAsync(query, answer);

    private async Task RememberAsync(CacheQuery query, CachedAnswer answer)
    {
        try
        {
            await cache.StoreAsync(query, answer, CancellationToken.None);
        }
        catch (Exception e)
        {
            Log.StoreFailed(logger, e.Message);
        }
    }

    /// <summary>The text of a chat request's last message when the user sent it; null otherwise (tool results, assistant prefill).</summary>
    public static string? LastUserText(OpenAiRequest request)
    {
        if (request.Kind != ApiKind.ChatCompletions || request.Body["messages"] is not JsonArray { Count: > 0 } messages
            || messages[^1] is not JsonObject last || last["role"]?.GetValue<string>() != "user")
        {
            return null;
        }

        return last["content"] switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonArray parts => string.Concat(parts.Select(p => p?["type"]?.GetValue<string>() == "text" ? p["text"]?.GetValue<string>() : null)),
            _ => null,
        };
    }

    private static double? Number(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : null;

    private static string? Concat(JsonNode? a, JsonNode? b) => a is null && b is null ? null : $"{a?.ToJsonString()}|{b?.ToJsonString()}";

    private static partial class Log
    {
        [LoggerMessage(EventId = 1601, Level = LogLevel.Warning, Message = "Cache lookup failed, going on to the upstream: {Reason}")]
        public static partial void LookupFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 1602, Level = LogLevel.Warning, Message = "Could not store an answer in the cache: {Reason}")]
        public static partial void StoreFailed(ILogger logger, string reason);
    }
}
