using GreenGateway.Accounting;
using GreenGateway.Cache;
using GreenGateway.Cascade;
using GreenGateway.Core.Budgets;
using GreenGateway.Core.Cache;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Requests;
using GreenGateway.Draft;
using GreenGateway.Telemetry;

namespace GreenGateway.Pipeline;

/// <summary>How one admitted request ended, as its settlement needs it.</summary>
/// <param name="Tier">The tier that answered (<c>upstream</c> when none below it did, or nothing did).</param>
/// <param name="Status">The status the client got.</param>
/// <param name="Figures">What the answer cost; null when nothing was delivered.</param>
/// <param name="End">How a local tier's answer ended (the draft's confidence, speculation's rounds).</param>
/// <param name="Text">The text a local tier delivered, for the cache.</param>
/// <param name="Draft">The draft's run when it tried and declined (its confidence labels the outcome).</param>
/// <param name="Lossless">A speculative answer under the greedy rule: the large model's own, which the cache may keep.</param>
internal sealed record RequestResult(string Tier, int Status, RequestFigures? Figures, AnswerEnd? End = null, string? Text = null,
    DraftRun? Draft = null, bool Lossless = false);

/// <summary>
/// Step 7, in the request's <c>finally</c>: settles the reservation at what was delivered (a no-op when the answer
/// already settled before its last byte; a release when nothing was delivered), then the metrics, the log line, the
/// cache write-back, the router's outcome log and the dashboard's activity. The only place an admitted request is accounted.
/// </summary>
internal sealed partial class Settlement(GatewayMetrics metrics, CacheTier cache, OutcomeLog outcomes, CascadeJudge judge, EnergyAccountant accountant,
    DraftModel draft, Dashboard.ActivityRecorder activity, ILogger<Settlement> logger)
{
    public async ValueTask SettleAsync(Admission admission, OpenAiRequest request, string tenant, CacheQuery? query, RequestResult result, TimeSpan elapsed)
    {
        var charged = result.Figures is { } f ? f.Charge : EnergyCarbon.Zero;
        await admission.SettleAsync(charged);
        metrics.Completed(new CompletedRequest(tenant, admission.Route.Model, result.Tier, result.Status, result.Figures, elapsed));
        activity.Settled(admission.RequestId, tenant, admission.Route.Model, result.Tier, result.Status, result.Figures, result.End?.Speculative, elapsed);
        Log.Completed(logger, tenant, admission.Route.Model, result.Tier, result.Status, result.Figures?.Usage.PromptTokens ?? 0,
            result.Figures?.Usage.CompletionTokens ?? 0, charged.Joules, charged.GramsCo2e, elapsed.TotalMilliseconds);
        if (result.Status is < 200 or >= 300 || result.Figures is not { } figures)
        {
            return;
        }

        WriteBack(query, admission.Route, result, figures);
        Judge(admission.Route, result, figures, elapsed);
        if (outcomes.Enabled && request.LastUserText is { } prompt)
        {
            var draftConfidence = result.End?.DraftConfidence ?? result.Draft?.Confidence;
            var acceptance = result.End?.Speculative?.AcceptanceRate;
            outcomes.Add(new Outcome(tenant, prompt, result.Tier, OutcomeLog.LabelFor(result.Tier, acceptance, draftConfidence is not null), acceptance,
                draftConfidence?.MinProbability));
        }
    }

    /// <summary>
    /// What the cache keeps of the gateway's own answers (the upstream's are written before their last byte): a lossless
    /// speculative answer (the large model's own), and the
    /// draft's own with its confidence, served again only where a cascade would take it (<see cref="CascadePlan.Serves"/>).
    /// </summary>
    private void WriteBack(CacheQuery? query, ModelRoute route, RequestResult result, RequestFigures figures)
    {
        if (query is null || result.End is { FinishReason: null })
        {
            return;
        }

        switch (result.Tier)
        {
            case CascadeTiers.Draft when result.End?.DraftConfidence is { } confidence:
                cache.RememberLocal(query, route.Model, result.Text ?? "", result.End.FinishReason!, figures, new DraftProvenance(confidence.MinProbability, confidence.MeanEntropy));
                break;
            case CascadeTiers.Speculative when result.Lossless:
                cache.RememberLocal(query, route.Model, result.Text ?? "", result.End!.FinishReason!, figures);
                break;
        }
    }

    /// <summary>
    /// What the planner learns from the answer: its tier's latency, and, against an observed counterfactual only, what
    /// the draft's attempt saved (it answered) or wasted (it declined and the large model answered alone).
    /// </summary>
    private void Judge(ModelRoute route, RequestResult result, RequestFigures figures, TimeSpan elapsed)
    {
        CascadeTier? tier = CascadeTiers.TryParse(result.Tier, out var parsed) ? parsed : null;
        if (tier is { } answered)
        {
            judge.Answered(route.Model, answered, elapsed);
        }

        if (tier == CascadeTier.Draft && figures.BaselineMethod == Core.Energy.BaselineMethod.Observed)
        {
            judge.Draft(route.Model).Observe(answered: true, figures.Energy.Joules, figures.BaselineJoules);
        }
        else if (tier == CascadeTier.Upstream && result.Draft is { } run && accountant.BaselineObserved(route))
        {
            judge.Draft(route.Model).Observe(answered: false, run.Energy(draft.Settings.WattsPerCore).Joules * accountant.Pue, 0);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1101, Level = LogLevel.Information,
            Message = "{Tenant} {Model} tier={Tier} status={Status} prompt={PromptTokens} completion={CompletionTokens} energy={Joules:0.###}J carbon={Grams:0.######}g in {Milliseconds:0.#}ms")]
        public static partial void Completed(ILogger logger, string tenant, string model, string tier, int status, int promptTokens, int completionTokens, double joules, double grams, double milliseconds);
    }
}
