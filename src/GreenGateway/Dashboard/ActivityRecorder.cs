using GreenGateway.Configuration;
using GreenGateway.Core.Activity;
using GreenGateway.Core.Energy;
using Microsoft.Extensions.Options;
using M = GreenGateway.Core.Activity.ActivityMetrics;

namespace GreenGateway.Dashboard;

/// <summary>
/// Feeds the dashboard: every settled request's figures go into the activity series (per tenant, model and tier), every
/// answer is remembered for feedback, every refusal and downgrade is counted. Called by Settlement and BudgetAdmission
/// only. Writes are not awaited by the request: the answer's last byte never waits on them, and a failed write is logged
/// and lost, never the request's failure.
/// </summary>
internal sealed partial class ActivityRecorder(IActivityStore series, IFeedbackStore feedback, TimeProvider time, IOptions<GatewayConfig> options,
    ILogger<ActivityRecorder> logger)
{
    /// <summary>The tier of counts that belong to no tier (refusals, downgrades).</summary>
    public const string NoTier = "-";

    private readonly DashboardSettings _settings = options.Value.Dashboard;

    /// <summary>A settled request: what it was charged, and, when it answered (2xx), the answer.</summary>
    public void Settled(string requestId, string tenant, string model, string tier, int status, Accounting.RequestFigures? figures,
        Core.Cascade.SpeculativeStats? speculative, TimeSpan elapsed)
    {
        var at = time.GetUtcNow();
        var counts = new List<ActivityCount>(12);
        var key = new ActivityCount(tenant, model, tier, "", 0);
        if (figures is { } f)
        {
            Add(counts, key, M.Joules, f.Energy.Joules);
            Add(counts, key, M.Grams, f.CarbonGrams);
        }

        var answered = status is >= 200 and < 300;
        if (answered)
        {
            Add(counts, key, M.Requests, 1);
            Add(counts, key, M.Seconds, elapsed.TotalSeconds);
            if (figures is { } a)
            {
                Add(counts, key, M.BaselineJoules, a.BaselineJoules);
                Add(counts, key, M.BaselineObserved, a.BaselineMethod == BaselineMethod.Observed ? 1 : 0);
                Add(counts, key, M.PromptTokens, a.Usage.PromptTokens);
                Add(counts, key, M.CompletionTokens, a.Usage.CompletionTokens);
            }

            if (speculative is { } s)
            {
                Add(counts, key, M.SpecProposed, s.Proposed);
                Add(counts, key, M.SpecAccepted, s.Accepted);
                Add(counts, key, M.SpecVerifyCalls, s.VerifyCalls);
            }
        }
        else if (status >= 500)
        {
            Add(counts, key, M.Errors, 1);
        }

        if (counts.Count > 0)
        {
            Forget(series.AddAsync(at, counts, CancellationToken.None), "series");
        }

        if (answered && figures is { } r)
        {
            var answer = new AnsweredRequest(requestId, tenant, model, tier, at, r.Energy.Joules, r.CarbonGrams, r.BaselineJoules, r.BaselineMethodName,
                r.MethodName, r.Usage.PromptTokens, r.Usage.CompletionTokens);
            Forget(feedback.RememberAsync(answer, _settings.FeedbackTtl, CancellationToken.None), "answer");
        }
    }

    /// <summary>Counts only what is not zero: a bucket holds the fields that happened.</summary>
    private static void Add(List<ActivityCount> counts, ActivityCount key, string metric, double value)
    {
        if (value != 0)
        {
            counts.Add(key with { Metric = metric, Value = value });
        }
    }

    /// <summary>A request a spent budget refused (429).</summary>
    public void Refused(string tenant, string model) =>
        Forget(series.AddAsync(time.GetUtcNow(), [new ActivityCount(tenant, model, NoTier, M.Refused, 1)], CancellationToken.None), "series");

    /// <summary>A request a spent budget downgraded.</summary>
    public void Downgraded(string tenant, string model) =>
        Forget(series.AddAsync(time.GetUtcNow(), [new ActivityCount(tenant, model, NoTier, M.Downgraded, 1)], CancellationToken.None), "series");

    /// <summary>
    /// A verdict on an answer: counted at the answer's own time, so that a window's answers and their verdicts agree.
    /// A changed verdict takes back the one it replaces.
    /// </summary>
    public ValueTask JudgedAsync(AnsweredRequest answer, Verdict verdict, Verdict? previous)
    {
        var counts = new List<ActivityCount>(2);
        if (previous is not null)
        {
            counts.Add(new ActivityCount(answer.Tenant, answer.Model, answer.Tier, previous.Useful ? M.MarkedUseful : M.NotUseful, -1));
        }

        counts.Add(new ActivityCount(answer.Tenant, answer.Model, answer.Tier, verdict.Useful ? M.MarkedUseful : M.NotUseful, 1));
        return series.AddAsync(answer.At, counts, CancellationToken.None);
    }

    private async void Forget(ValueTask write, string what)
    {
        try
        {
            await write;
        }
        catch (Exception e)
        {
            Log.WriteFailed(logger, what, e);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1801, Level = LogLevel.Warning, Message = "The dashboard's {What} could not be written; the request is unaffected")]
        public static partial void WriteFailed(ILogger logger, string what, Exception exception);
    }
}
