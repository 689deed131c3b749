using GreenGateway.Cli.Evaluation;
using GreenGateway.Cli.Workloads;
using GreenGateway.Core.Policies;
using GreenGateway.Core.Routing;
using GreenGateway.Core.Rules;

namespace GreenGateway.Cli.Labeling;

/// <summary>Labelling settings.</summary>
internal sealed record LabelOptions
{
    /// <summary>Most tokens each model answers with. Default 64.</summary>
    public int MaxTokens { get; init; } = 64;

    /// <summary>Teacher-forced acceptance at or above which a prompt is labelled <c>speculative</c>. Default 0.5.</summary>
    public double AcceptanceThreshold { get; init; } = 0.5;

    /// <summary>Prompts in flight at once (the engine batches their decode steps). Default 4.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>The time the date and time rules see. Default 2026-01-01T00:00Z, so labels do not depend on the clock.</summary>
    public DateTimeOffset Now { get; init; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
}

/// <summary>
/// Labels prompts with the cheapest tier whose answer is good enough, by running the cascade's pieces in
/// process: the rules; else the draft and the target, greedy; <c>draft</c> when the draft's answer equals the
/// target's or passes the ground-truth check; else <c>speculative</c> when the draft would have had at least
/// <see cref="LabelOptions.AcceptanceThreshold"/> of the target's tokens accepted; else <c>upstream</c>.
/// </summary>
internal sealed class CascadeLabeler(LocalModel draft, LocalModel target, LabelOptions options)
{
    private static readonly TenantPolicy Tenant = new() { Id = "labeler", KeyHashes = [] };
    private readonly RuleEngine _rules = new();

    public async Task<IReadOnlyList<LabelRecord>> LabelAsync(IReadOnlyList<WorkloadItem> items, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var records = new LabelRecord[items.Count];
        var done = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count),
            new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                records[i] = await LabelAsync(items[i], ct);
                progress?.Report(Interlocked.Increment(ref done));
            });
        return records;
    }

    public async Task<LabelRecord> LabelAsync(WorkloadItem item, CancellationToken cancellationToken)
    {
        var question = item.Question;
        var record = new LabelRecord
        {
            Id = item.Id,
            Prompt = question,
            Label = TierRouter.Tiers[0],
            Kind = item.Kind,
            GroundTruth = item.GroundTruth,
            Check = item.GroundTruth is null ? null : item.Check,
        };
        if (_rules.TryAnswer(PolicySet.Empty, Tenant, question, options.Now) is { } rule)
        {
            return record with { RuleAnswer = rule.Text };
        }

        var prompt = target.Encode(item.Chat);
        var draftAnswer = await draft.GenerateGreedyAsync(prompt, options.MaxTokens, cancellationToken);
        var targetAnswer = await target.GenerateGreedyAsync(prompt, options.MaxTokens, cancellationToken);
        var matches = AnswerCheck.Normalize(draftAnswer.Text) == AnswerCheck.Normalize(targetAnswer.Text);
        bool? draftCorrect = item.GroundTruth is null ? null : AnswerCheck.IsCorrect(draftAnswer.Text, item.GroundTruth, item.Check);
        bool? targetCorrect = item.GroundTruth is null ? null : AnswerCheck.IsCorrect(targetAnswer.Text, item.GroundTruth, item.Check);
        record = record with
        {
            DraftAnswer = draftAnswer.Text,
            TargetAnswer = targetAnswer.Text,
            DraftMatchesTarget = matches,
            DraftCorrect = draftCorrect,
            TargetCorrect = targetCorrect,
            DraftMeanProb = Math.Round(draftAnswer.MeanProbability, 4),
            DraftMinProb = Math.Round(draftAnswer.MinProbability, 4),
            DraftMeanEntropy = Math.Round(draftAnswer.MeanEntropy, 4),
            DraftTokens = draftAnswer.TokenIds.Length,
            TargetTokens = targetAnswer.TokenIds.Length,
        };

        var acceptance = await draft.ArgmaxAgreementAsync(prompt, targetAnswer.TokenIds, cancellationToken);
        record = record with { Acceptance = Math.Round(acceptance, 4) };
        return record with { Label = Decide(matches, draftCorrect, acceptance, options.AcceptanceThreshold) };
    }

    /// <summary>The label of a prompt the rules did not answer.</summary>
    /// <param name="draftMatchesTarget">The draft's greedy answer equals the target's.</param>
    /// <param name="draftCorrect">The draft's answer passes the ground-truth check (null: no reference).</param>
    /// <param name="acceptance">Share of the target's tokens the draft's argmax predicts.</param>
    /// <param name="threshold">The acceptance at or above which speculation pays.</param>
    public static string Decide(bool draftMatchesTarget, bool? draftCorrect, double acceptance, double threshold) =>
        draftMatchesTarget || draftCorrect == true ? "draft"
        : acceptance >= threshold ? "speculative"
        : "upstream";
}
