using GreenGateway.Cli.Evaluation;

namespace GreenGateway.Cli.Bench;

/// <summary>The figures of one arm of the benchmark (or of one tier within the cascade's arm).</summary>
internal sealed record ArmStats(int Requests, int Errors, int Correct, double MeanF1, double Joules, double CarbonGrams, double BaselineJoules,
    double LatencyP50, double LatencyP99)
{
    public double Accuracy => Requests == 0 ? 0 : (double)Correct / Requests;

    public double JoulesPerRequest => Requests == 0 ? 0 : Joules / Requests;

    public double JoulesPerCorrect => Correct == 0 ? double.PositiveInfinity : Joules / Correct;

    public double CarbonPerRequest => Requests == 0 ? 0 : CarbonGrams / Requests;

    public double CarbonPerCorrect => Correct == 0 ? double.PositiveInfinity : CarbonGrams / Correct;

    public static ArmStats From(IReadOnlyList<(BenchResponse Response, Workloads.WorkloadItem Item)> answers)
    {
        var correct = 0;
        var f1 = 0.0;
        foreach (var (response, item) in answers)
        {
            var content = response.Ok ? response.Content ?? "" : "";
            correct += response.Ok && AnswerCheck.IsCorrect(content, item.GroundTruth, item.Check) ? 1 : 0;
            f1 += AnswerCheck.TokenF1(content, item.GroundTruth);
        }

        var latencies = answers.Select(a => a.Response.LatencyMs).Order().ToArray();
        return new ArmStats(answers.Count, answers.Count(a => !a.Response.Ok), correct, answers.Count == 0 ? 0 : f1 / answers.Count,
            answers.Sum(a => a.Response.EnergyJoules), answers.Sum(a => a.Response.CarbonGrams), answers.Sum(a => a.Response.BaselineJoules),
            Percentile(latencies, 0.50), Percentile(latencies, 0.99));
    }

    /// <summary>Nearest-rank percentile of sorted values; 0 for none.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(q * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}

/// <summary>Speculative decoding as the cascade's answers report it, and what Leviathan et al. predict for it.</summary>
internal sealed record SpeculativeStats(int Answers, long Proposed, long Accepted, long VerifyCalls, double MeanK)
{
    /// <summary>Accepted share of the proposed draft tokens.</summary>
    public double AcceptanceRate => Proposed == 0 ? 0 : (double)Accepted / Proposed;

    /// <summary>Tokens produced per verification call: the accepted drafts plus the target's own token each call adds.</summary>
    public double TokensPerCall => VerifyCalls == 0 ? 0 : (double)(Accepted + VerifyCalls) / VerifyCalls;

    /// <summary>
    /// Expected tokens per target call for acceptance rate a and k drafted tokens: (1 - a^(k+1)) / (1 - a)
    /// (Leviathan et al. 2023, "Fast Inference from Transformers via Speculative Decoding", arXiv:2211.17192, eq. 1).
    /// </summary>
    public static double Predicted(double a, double k) => a >= 1 ? k + 1 : (1 - Math.Pow(a, k + 1)) / (1 - a);
}

/// <summary>Everything the report shows, computed from the per-item results.</summary>
internal sealed record BenchSummary(ArmStats Cascade, ArmStats Upstream, double Agreement, IReadOnlyList<(string Tier, ArmStats Stats)> Tiers,
    IReadOnlyList<(string Kind, ArmStats Cascade, ArmStats Upstream)> Kinds, SpeculativeStats Speculative)
{
    /// <summary>Answers of the large-model-alone arm that did not come from the upstream tier: the narrowing header did not hold.</summary>
    public int UpstreamArmOtherTiers { get; init; }

    /// <summary>The same answers re-priced, each view every model alike (modelled, trace-driven).</summary>
    public IReadOnlyList<ViewStats> Views { get; init; } = [];

    /// <summary>How the arms were interleaved: <c>alternate</c> or <c>blocks</c>.</summary>
    public string Order { get; init; } = "alternate";

    /// <summary>Cascade answers whose counterfactual was observed (fitted from the large model's own answers) and modelled.</summary>
    public (int Observed, int Modelled) BaselineMethods { get; init; }

    /// <summary>
    /// The items whose cascade answer had an <c>observed</c> counterfactual, both arms: the only ones whose claimed saving
    /// may be set against a measurement (a <c>modelled</c> baseline over a measured charge would be a mixed ratio).
    /// </summary>
    public (ArmStats Cascade, ArmStats Upstream) ObservedItems { get; init; } = (Empty, Empty);

    /// <summary>The items whose cascade answer had a <c>modelled</c> counterfactual: reported apart, never in a ratio with measurements.</summary>
    public (ArmStats Cascade, ArmStats Upstream) ModelledItems { get; init; } = (Empty, Empty);

    /// <summary>What the gateway claimed the cascade saved where its counterfactual was observed: Σ baseline over Σ charged.</summary>
    public double ClaimedSaving => ObservedItems.Cascade.Joules == 0 ? 0 : ObservedItems.Cascade.BaselineJoules / ObservedItems.Cascade.Joules;

    /// <summary>What the cascade saved on the same items, measured: the large model alone's joules over the cascade's, same run.</summary>
    public double MeasuredSaving => ObservedItems.Cascade.Joules == 0 ? 0 : ObservedItems.Upstream.Joules / ObservedItems.Cascade.Joules;

    /// <summary>What the cascade saved over every item, measured.</summary>
    public double MeasuredSavingAll => Cascade.Joules == 0 ? 0 : Upstream.Joules / Cascade.Joules;

    private static readonly ArmStats Empty = ArmStats.From([]);

    /// <summary>How many times fewer joules per correct answer the cascade spent than the large model alone.</summary>
    public double EnergyRatio => Cascade.JoulesPerCorrect == 0 ? double.PositiveInfinity : Upstream.JoulesPerCorrect / Cascade.JoulesPerCorrect;

    /// <summary>Cascade accuracy minus the large model's, in percentage points.</summary>
    public double QualityDeltaPoints => (Cascade.Accuracy - Upstream.Accuracy) * 100;

    public static BenchSummary From(IReadOnlyList<BenchItemResult> results)
    {
        var cascade = ArmStats.From([.. results.Select(r => (r.Cascade, r.Item))]);
        var upstream = ArmStats.From([.. results.Select(r => (r.Upstream, r.Item))]);
        var agreement = results.Count == 0 ? 0 : (double)results.Count(r => r.Cascade.Ok && r.Upstream.Ok
            && AnswerCheck.Normalize(r.Cascade.Content ?? "") == AnswerCheck.Normalize(r.Upstream.Content ?? "")) / results.Count;
        var tiers = results.GroupBy(r => r.Cascade.Ok ? r.Cascade.Tier ?? "unknown" : "error")
            .OrderBy(g => TierOrder(g.Key))
            .Select(g => (g.Key, ArmStats.From([.. g.Select(r => (r.Cascade, r.Item))])))
            .ToList();
        var kinds = results.GroupBy(r => r.Item.Kind)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, ArmStats.From([.. g.Select(r => (r.Cascade, r.Item))]), ArmStats.From([.. g.Select(r => (r.Upstream, r.Item))])))
            .ToList();
        var speculative = results.Select(r => r.Cascade.Speculative).OfType<SpeculativeUsage>().ToList();
        var calls = speculative.Sum(s => s.VerifyCalls);
        var meanK = calls == 0 ? 0 : speculative.Sum(s => s.K * s.VerifyCalls) / calls;
        return new BenchSummary(cascade, upstream, agreement, tiers, kinds,
            new SpeculativeStats(speculative.Count, speculative.Sum(s => s.Proposed), speculative.Sum(s => s.Accepted), calls, meanK))
        {
            UpstreamArmOtherTiers = results.Count(r => r.Upstream.Ok && r.Upstream.Tier != "upstream"),
            BaselineMethods = (results.Count(r => r.Cascade.BaselineMethod == "observed"), results.Count(r => r.Cascade.BaselineMethod == "modelled")),
            ObservedItems = Arms(results.Where(r => r.Cascade.BaselineMethod == "observed")),
            ModelledItems = Arms(results.Where(r => r.Cascade.BaselineMethod != "observed")),
        };
    }

    private static (ArmStats Cascade, ArmStats Upstream) Arms(IEnumerable<BenchItemResult> results)
    {
        var list = results.ToList();
        return (ArmStats.From([.. list.Select(r => (r.Cascade, r.Item))]), ArmStats.From([.. list.Select(r => (r.Upstream, r.Item))]));
    }

    private static int TierOrder(string tier) => tier switch
    {
        "rules" => 0,
        "cache" => 1,
        "draft" => 2,
        "speculative" => 3,
        "upstream" => 4,
        _ => 5,
    };
}
