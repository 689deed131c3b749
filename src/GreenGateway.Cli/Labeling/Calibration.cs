using System.Globalization;
using System.Text;

namespace GreenGateway.Cli.Labeling;

/// <summary>
/// How well the draft's own confidence predicts that its answer is good enough: for each bar on the minimum
/// token probability, the share of model-answered prompts that clear it (coverage) and the share of those whose
/// draft answer was good enough (precision: equal to the target's, or right by the ground truth).
/// </summary>
internal static class Calibration
{
    public static IReadOnlyList<double> Bars { get; } = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];

    public sealed record Row(double Bar, int Answered, int Good, int Total, int RightByReference, int WithReference)
    {
        public double Coverage => Total == 0 ? 0 : (double)Answered / Total;

        public double Precision => Answered == 0 ? double.NaN : (double)Good / Answered;

        public double ReferencePrecision => WithReference == 0 ? double.NaN : (double)RightByReference / WithReference;
    }

    /// <param name="records">Labelled prompts; those the rules answered are left out.</param>
    /// <param name="maxMeanEntropy">Also require the draft's mean entropy (nats) to be at most this; null: no entropy bar.</param>
    public static IReadOnlyList<Row> Compute(IReadOnlyList<LabelRecord> records, double? maxMeanEntropy = null)
    {
        var answered = records.Where(r => r.DraftAnswer is not null && r.DraftMinProb is not null).ToList();
        var total = answered.Count;
        if (maxMeanEntropy is { } bar)
        {
            answered = [.. answered.Where(r => r.DraftMeanEntropy <= bar)];
        }

        return [.. Bars.Select(bar =>
        {
            var cleared = answered.Where(r => r.DraftMinProb >= bar).ToList();
            var withReference = cleared.Where(r => r.DraftCorrect is not null).ToList();
            return new Row(bar, cleared.Count, cleared.Count(r => r.DraftMatchesTarget == true || r.DraftCorrect == true), total,
                withReference.Count(r => r.DraftCorrect == true), withReference.Count);
        })];
    }

    public static string ToMarkdown(IReadOnlyList<Row> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("| min token probability >= | draft answers | coverage | precision (good enough) | precision (ground truth) |");
        text.AppendLine("|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Bar:0.00} | {row.Answered} / {row.Total} | {Percent(row.Coverage)} | {Percent(row.Precision)} | {Percent(row.ReferencePrecision)} |");
        }

        return text.ToString();
    }

    private static string Percent(double value) => double.IsNaN(value) ? "-" : (value * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";
}
