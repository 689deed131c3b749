namespace GreenGateway.Cli.Labeling;

/// <summary>
/// One labelled prompt: the cheapest tier whose answer was good enough, with what the decision rested on.
/// <c>router train</c> reads <see cref="Prompt"/> and <see cref="Label"/> (the gateway's outcome log has those
/// two as well); the rest is for calibration and inspection.
/// </summary>
internal sealed record LabelRecord
{
    public string? Id { get; init; }

    public required string Prompt { get; init; }

    /// <summary><c>rules</c>, <c>draft</c>, <c>speculative</c> or <c>upstream</c>.</summary>
    public required string Label { get; init; }

    public string? Kind { get; init; }

    public string? RuleAnswer { get; init; }

    public string? DraftAnswer { get; init; }

    public string? TargetAnswer { get; init; }

    public string? GroundTruth { get; init; }

    public string? Check { get; init; }

    /// <summary>The draft's answer equals the target's (after SQuAD normalization).</summary>
    public bool? DraftMatchesTarget { get; init; }

    /// <summary>The draft's answer passes the ground-truth check (null without a reference).</summary>
    public bool? DraftCorrect { get; init; }

    public bool? TargetCorrect { get; init; }

    /// <summary>Share of the target's greedy tokens the draft's argmax predicts (teacher-forced).</summary>
    public double? Acceptance { get; init; }

    public double? DraftMeanProb { get; init; }

    public double? DraftMinProb { get; init; }

    public double? DraftMeanEntropy { get; init; }

    public int? DraftTokens { get; init; }

    public int? TargetTokens { get; init; }
}
