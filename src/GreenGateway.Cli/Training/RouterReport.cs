using System.Globalization;
using System.Text;
using GreenGateway.Core.Routing;

namespace GreenGateway.Cli.Training;

/// <summary>The training run as Markdown: data, held-out accuracy, confusion matrix.</summary>
internal static class RouterReport
{
    public static string Write(RouterEvaluation result, long fileBytes)
    {
        var md = new StringBuilder();
        var total = result.LabelCounts.Values.Sum();
        var counts = string.Join(", ", TierRouter.Tiers.Select(t =>
            string.Create(CultureInfo.InvariantCulture, $"{t} {result.LabelCounts[t]} ({100.0 * result.LabelCounts[t] / Math.Max(1, total):0.0} %)")));
        md.AppendLine(CultureInfo.InvariantCulture, $"{total} distinct labelled prompts ({result.Duplicates} repeats and {result.Skipped} unknown labels left out): {counts}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Trained on {result.TrainCount}, evaluated on {result.TestCount} held out; kept **{result.Trainer}**, model file {fileBytes / 1024.0:0} KiB.");
        md.AppendLine();
        md.AppendLine("| router | held-out accuracy | training time |");
        md.AppendLine("|---|---:|---:|");
        foreach (var compared in result.Compared)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {compared.Name} | {compared.Accuracy * 100:0.0} % | {compared.TrainTime.TotalSeconds:0.0} s |");
        }

        foreach (var compared in result.Compared)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"{compared.Name}, held-out confusion matrix:");
            md.AppendLine();
            md.AppendLine(RouterTrainer.ConfusionMarkdown(TierRouter.Tiers, compared.Confusion));
        }
        return md.ToString();
    }
}
