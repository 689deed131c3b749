using System.Diagnostics;
using System.Text.Json.Nodes;
using GreenGateway.Accounting;
using GreenGateway.Configuration;
using GreenGateway.Core.Cache;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Energy;

namespace GreenGateway.Cache;

/// <summary>
/// Tier 1: answers a chat completion from the semantic cache when an earlier answer in the same
/// partition (tenant, model, generation parameters, conversation so far) matches, and remembers
/// answers for the next time (<see cref="Remember"/>, from the request's settlement). A hit is charged the
/// energy of the lookup, and reports the original answer's energy as its baseline.
/// </summary>
internal sealed partial class CacheTier(ISemanticCache cache, CacheSettings settings, ILogger<CacheTier> logger) : ITier
{
    public const string Name = CascadeTiers.Cache;

    public CascadeTier Tier => CascadeTier.Cache;

    /// <summary>
    /// Answers from the cache when it can; declines on a miss, a bypass, a cache failure, or a draft model's answer
    /// that the plan would not take (<see cref="CascadePlan.Serves"/>).
    /// </summary>
    public async ValueTask<TierResult> TryAnswerAsync(TierRequest request, CancellationToken cancellationToken)
    {
        if (!settings.Enabled || request.CacheQuery is not { } query)
        {
            return TierResult.Declined;
        }

        var started = Stopwatch.GetTimestamp();
        CacheLookupResult lookup;
        try
        {
            lookup = await cache.LookupAsync(query, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The cache is an optimisation: when it is away, the request goes on to the next tier.
            Log.LookupFailed(logger, e.Message);
            return TierResult.Declined;
        }

        if (lookup.Entry is not { } entry || !request.Plan.Serves(entry.Answer.Draft))
        {
            return TierResult.Declined;
        }

        var answer = entry.Answer;
        var joules = Stopwatch.GetElapsedTime(started).TotalSeconds * settings.WattsPerCore;
        var usage = new TokenUsage(answer.PromptTokens, answer.CompletionTokens, Counted: false);
        var end = new AnswerEnd(answer.FinishReason ?? "stop", usage, new TierWork(joules, EnergyMethod.Modelled));
        var hit = new CacheHit(lookup.Kind, lookup.Similarity, answer.Draft is not null, answer.ResponseJson);
        return TierResult.Answered(TierAnswer.Whole(Name, answer.Model, answer.Content, end, new TierDetails { Cache = hit }));
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

    /// <summary>Remembers an answer in the background; a failure is logged, never seen by the client.</summary>
    public void Remember(CacheQuery query, CachedAnswer answer)
    {
        if (settings.Enabled)
        {
            _ = RememberAsync(query, answer);
        }
    }

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

    private static partial class Log
    {
        [LoggerMessage(EventId = 1601, Level = LogLevel.Warning, Message = "Cache lookup failed, going on to the next tier: {Reason}")]
        public static partial void LookupFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 1602, Level = LogLevel.Warning, Message = "Could not store an answer in the cache: {Reason}")]
        public static partial void StoreFailed(ILogger logger, string reason);
    }
}
