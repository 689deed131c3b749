using System.Globalization;
using System.Text;

namespace GreenGateway.Cli.Bench;

/// <summary>Where and how a benchmark ran, for the report's header.</summary>
internal sealed record BenchRunInfo(DateTimeOffset Started, TimeSpan Duration, string Gateway, string Workload, string Model, int MaxTokens, string Machine);

/// <summary>Writes the benchmark's Markdown report, charts as Mermaid (<c>xychart-beta</c>, <c>pie</c>), which GitHub renders.</summary>
internal static class BenchReport
{
    /// <summary>The energy targets of issue 6: at least 5x fewer joules per correct answer, quality within 2 points.</summary>
    public const double EnergyRatioTarget = 5;

    public const double QualityTolerancePoints = 2;

    public static string Write(BenchSummary s, BenchRunInfo run)
    {
        var md = new StringBuilder();
        md.AppendLine("# Cascade benchmark");
        md.AppendLine();
        md.AppendLine(Invariant($"Run {run.Started:yyyy-MM-dd HH:mm} UTC, {run.Duration.TotalSeconds:0} s, against {run.Gateway}: workload `{run.Workload}` ({s.Cascade.Requests} items), model `{run.Model}`, greedy (temperature 0), at most {run.MaxTokens} tokens, one request at a time. {run.Machine}"));
        md.AppendLine();
        md.AppendLine(s.Order == "blocks"
            ? "Each item is sent twice in the same run: every item through the full cascade first, then every item with `X-GG-Tiers: upstream` (the large model alone). Energy and carbon are what the gateway reports in `usage`; correctness is the workload's check against its ground truth (docs/cascade-workload.md). Written by `gg bench cascade`."
            : "Each item is sent twice in the same run, through the full cascade and with `X-GG-Tiers: upstream` (the large model alone), alternating which goes first. Energy and carbon are what the gateway reports in `usage`; correctness is the workload's check against its ground truth (docs/cascade-workload.md). Written by `gg bench cascade`.");
        md.AppendLine();
        Headline(md, s);
        Footing(md, s);
        Arms(md, s);
        TierMix(md, s);
        Speculative(md, s);
        Kinds(md, s);
        return md.ToString();
    }

    private static void Headline(StringBuilder md, BenchSummary s)
    {
        md.AppendLine("## Result");
        md.AppendLine();
        md.AppendLine("| target | measured | met |");
        md.AppendLine("|---|---|---|");
        md.AppendLine(Invariant($"| ≥ {EnergyRatioTarget:0}x fewer joules per correct answer than the large model alone | {Ratio(s.EnergyRatio)} ({Num(s.Cascade.JoulesPerCorrect)} J against {Num(s.Upstream.JoulesPerCorrect)} J) | {Met(s.EnergyRatio >= EnergyRatioTarget)} |"));
        md.AppendLine(Invariant($"| answer quality within {QualityTolerancePoints:0} points of the large model alone | {s.Cascade.Accuracy * 100:0.0} % against {s.Upstream.Accuracy * 100:0.0} % ({s.QualityDeltaPoints:+0.0;-0.0;0.0} points) | {Met(s.QualityDeltaPoints >= -QualityTolerancePoints)} |"));
        md.AppendLine(Invariant($"| (for reference) answers identical to the large model's | {s.Agreement * 100:0.0} % | |"));
        md.AppendLine();
    }

    /// <summary>
    /// The claim against the measurement (the gateway's own counterfactual against the large model alone, same run), and
    /// the same answers re-priced in views that price every model alike. No ratio divides one kind of figure by another.
    /// </summary>
    private static void Footing(StringBuilder md, BenchSummary s)
    {
        md.AppendLine("## Claimed against measured");
        md.AppendLine();
        md.AppendLine("| | value |");
        md.AppendLine("|---|---:|");
        md.AppendLine(Invariant($"| cascade's joules over the large model alone's (every item; at most 1.0 means it costs no more) | {Num(s.Upstream.Joules == 0 ? 0 : s.Cascade.Joules / s.Upstream.Joules)} |"));
        md.AppendLine(Invariant($"| cascade answers whose baseline was `observed` / `modelled` | {s.BaselineMethods.Observed} / {s.BaselineMethods.Modelled} |"));
        md.AppendLine(Invariant($"| saving the gateway claimed where `observed` (Σ `baseline_energy_joules` / Σ `energy_joules`, cascade arm) | {Ratio(s.ClaimedSaving)} |"));
        md.AppendLine(Invariant($"| saving measured on the same items (Σ joules alone / Σ joules cascade) | {Ratio(s.MeasuredSaving)} |"));
        md.AppendLine(Invariant($"| claimed over measured | {Num(s.MeasuredSaving == 0 ? 0 : s.ClaimedSaving / s.MeasuredSaving)} |"));
        md.AppendLine(Invariant($"| `modelled` items: Σ baseline the gateway reported (labelled modelled; priced by the route's profile) / Σ joules alone, measured | {Num(s.ModelledItems.Cascade.BaselineJoules)} J / {Num(s.ModelledItems.Upstream.Joules)} J (two footings: not a ratio) |"));
        md.AppendLine();
        if (s.Views.Count == 0)
        {
            return;
        }

        md.AppendLine("## The same answers, re-priced (each view prices every model alike)");
        md.AppendLine();
        md.AppendLine("| view | J per correct answer, cascade | large model alone | ratio |");
        md.AppendLine("|---|---:|---:|---:|");
        foreach (var view in s.Views)
        {
            md.AppendLine(Invariant($"| {view.Name} | {Num(view.CascadeCorrect == 0 ? 0 : view.CascadeJoules / view.CascadeCorrect)} | {Num(view.UpstreamCorrect == 0 ? 0 : view.UpstreamJoules / view.UpstreamCorrect)} | {Ratio(view.Ratio)} |"));
        }

        md.AppendLine();
        md.AppendLine("Re-pricing uses each answer's tier, tokens and speculative rounds; rules and cache answers keep their measured figure (microseconds of CPU). Trace-driven views are labelled: they are the recorded decisions priced with per-call costs measured elsewhere, not a measurement of this run.");
        md.AppendLine();
    }

    private static void Arms(StringBuilder md, BenchSummary s)
    {
        md.AppendLine("## Energy, carbon, quality and latency");
        md.AppendLine();
        md.AppendLine("| | cascade | large model alone |");
        md.AppendLine("|---|---:|---:|");
        Row(md, "requests (errors)", $"{s.Cascade.Requests} ({s.Cascade.Errors})", $"{s.Upstream.Requests} ({s.Upstream.Errors})");
        Row(md, "answered by another tier than `upstream`", "", s.UpstreamArmOtherTiers == 0 ? "0" : $"**{s.UpstreamArmOtherTiers}**");
        Row(md, "correct (exact / contains)", $"{s.Cascade.Correct} ({s.Cascade.Accuracy * 100:0.0} %)", $"{s.Upstream.Correct} ({s.Upstream.Accuracy * 100:0.0} %)");
        Row(md, "SQuAD token F1 (mean)", $"{s.Cascade.MeanF1:0.000}", $"{s.Upstream.MeanF1:0.000}");
        Row(md, "joules, total", Num(s.Cascade.Joules), Num(s.Upstream.Joules));
        Row(md, "joules per request", Num(s.Cascade.JoulesPerRequest), Num(s.Upstream.JoulesPerRequest));
        Row(md, "**joules per correct answer**", "**" + Num(s.Cascade.JoulesPerCorrect) + "**", "**" + Num(s.Upstream.JoulesPerCorrect) + "**");
        Row(md, "gCO2e per request", Num(s.Cascade.CarbonPerRequest), Num(s.Upstream.CarbonPerRequest));
        Row(md, "gCO2e per correct answer", Num(s.Cascade.CarbonPerCorrect), Num(s.Upstream.CarbonPerCorrect));
        Row(md, "baseline joules the gateway reported (what the large model would have cost)", Num(s.Cascade.BaselineJoules), Num(s.Upstream.BaselineJoules));
        Row(md, "latency p50 (ms)", $"{s.Cascade.LatencyP50:0.0}", $"{s.Upstream.LatencyP50:0.0}");
        Row(md, "latency p99 (ms)", $"{s.Cascade.LatencyP99:0.0}", $"{s.Upstream.LatencyP99:0.0}");
        md.AppendLine();
        Bars(md, "Joules per correct answer", "J", ["cascade", "large model alone"], [s.Cascade.JoulesPerCorrect, s.Upstream.JoulesPerCorrect]);
        Bars(md, "gCO2e per correct answer", "g", ["cascade", "large model alone"], [s.Cascade.CarbonPerCorrect, s.Upstream.CarbonPerCorrect]);
        Bars(md, "Latency (ms)", "ms", ["cascade p50", "cascade p99", "alone p50", "alone p99"],
            [s.Cascade.LatencyP50, s.Cascade.LatencyP99, s.Upstream.LatencyP50, s.Upstream.LatencyP99]);
    }

    private static void TierMix(StringBuilder md, BenchSummary s)
    {
        md.AppendLine("## Tier mix (cascade)");
        md.AppendLine();
        md.AppendLine("```mermaid");
        md.AppendLine("pie title Which tier answered");
        foreach (var (tier, stats) in s.Tiers)
        {
            md.AppendLine(Invariant($"    \"{tier}\" : {stats.Requests}"));
        }

        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine("| tier | answers | share | joules per answer | share of the cascade's joules | correct | latency p50 (ms) |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (tier, stats) in s.Tiers)
        {
            var share = s.Cascade.Requests == 0 ? 0 : (double)stats.Requests / s.Cascade.Requests;
            var joules = s.Cascade.Joules == 0 ? 0 : stats.Joules / s.Cascade.Joules;
            md.AppendLine(Invariant($"| {tier} | {stats.Requests} | {share * 100:0.0} % | {Num(stats.JoulesPerRequest)} | {joules * 100:0.0} % | {stats.Accuracy * 100:0.0} % | {stats.LatencyP50:0.0} |"));
        }

        md.AppendLine();
    }

    private static void Speculative(StringBuilder md, BenchSummary s)
    {
        var sp = s.Speculative;
        md.AppendLine("## Speculative decoding");
        md.AppendLine();
        if (sp.Answers == 0 || sp.Proposed == 0)
        {
            md.AppendLine("No answer in this run reported `usage.speculative`.");
            md.AppendLine();
            return;
        }

        var predicted = SpeculativeStats.Predicted(sp.AcceptanceRate, sp.MeanK);
        md.AppendLine(Invariant($"{sp.Answers} speculative answers: {sp.Proposed} draft tokens proposed, {sp.Accepted} accepted, {sp.VerifyCalls} verification calls, mean k {sp.MeanK:0.00}."));
        md.AppendLine();
        md.AppendLine("| acceptance rate a | tokens per verification call, measured | (1 - a^(k+1)) / (1 - a), predicted |");
        md.AppendLine("|---:|---:|---:|");
        md.AppendLine(Invariant($"| {sp.AcceptanceRate:0.000} | {sp.TokensPerCall:0.00} | {predicted:0.00} |"));
        md.AppendLine();
        md.AppendLine("The prediction is Leviathan et al. 2023 (\"Fast Inference from Transformers via Speculative Decoding\", arXiv:2211.17192), which assumes every drafted token is accepted independently with probability a; measured tokens per call count the accepted drafts plus the token each verification adds. Real acceptances cluster (easy answers are accepted whole), so the two differ.");
        md.AppendLine();
        Bars(md, "Tokens per verification call", "tokens", ["measured", "predicted"], [sp.TokensPerCall, predicted]);
    }

    private static void Kinds(StringBuilder md, BenchSummary s)
    {
        md.AppendLine("## By kind of request");
        md.AppendLine();
        md.AppendLine("| kind | items | correct, cascade | correct, alone | joules per request, cascade | joules per request, alone |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (kind, cascade, upstream) in s.Kinds)
        {
            md.AppendLine(Invariant($"| {kind} | {cascade.Requests} | {cascade.Accuracy * 100:0.0} % | {upstream.Accuracy * 100:0.0} % | {Num(cascade.JoulesPerRequest)} | {Num(upstream.JoulesPerRequest)} |"));
        }

        md.AppendLine();
    }

    private static void Bars(StringBuilder md, string title, string unit, IReadOnlyList<string> labels, IReadOnlyList<double> values)
    {
        var finite = values.Select(v => double.IsFinite(v) ? v : 0).ToList();
        md.AppendLine("```mermaid");
        md.AppendLine("xychart-beta");
        md.AppendLine(Invariant($"    title \"{title}\""));
        md.AppendLine("    x-axis [" + string.Join(", ", labels.Select(l => "\"" + l + "\"")) + "]");
        md.AppendLine(Invariant($"    y-axis \"{unit}\" 0 --> {Ceiling(finite.DefaultIfEmpty(0).Max())}"));
        md.AppendLine("    bar [" + string.Join(", ", finite.Select(v => Num(v))) + "]");
        md.AppendLine("```");
        md.AppendLine();
    }

    private static void Row(StringBuilder md, string name, string cascade, string upstream) => md.AppendLine($"| {name} | {cascade} | {upstream} |");

    /// <summary>Four significant digits, invariant culture, no exponent for the magnitudes seen here.</summary>
    internal static string Num(double value)
    {
        if (!double.IsFinite(value))
        {
            return "n/a";
        }

        if (value == 0)
        {
            return "0";
        }

        var digits = Math.Clamp(3 - (int)Math.Floor(Math.Log10(Math.Abs(value))), 0, 10);
        return Math.Round(value, digits).ToString("0." + new string('#', digits), CultureInfo.InvariantCulture);
    }

    private static string Ceiling(double max) => Num(max <= 0 ? 1 : max * 1.15);

    private static string Ratio(double ratio) => double.IsFinite(ratio) ? Invariant($"{ratio:0.0}x") : "n/a";

    private static string Met(bool met) => met ? "yes" : "**no**";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
