using System.Globalization;
using System.Text;
using GreenGateway.Core.Cache;

namespace GreenGateway.Cli.Evaluation;

/// <summary>One line of tools/cache-eval/pairs-*.jsonl: a stored question, a new one, and whether they share an answer.</summary>
internal sealed record CachePair
{
    public required string Stored { get; init; }

    public required string Query { get; init; }

    public bool Same { get; init; }

    public string Kind { get; init; } = "";
}

/// <summary>An acceptance rule under test: an embedder and whether the lexical guard must agree too.</summary>
/// <param name="ChooseWithStructuralGuard">Choose the threshold with the guard's kind-of-question words off (they were drawn from the tuning split).</param>
internal sealed record CacheRule(string Name, IEmbedder Embedder, bool Guard, bool ChooseWithStructuralGuard = false);

/// <summary>Hit and false-hit rates of one rule at one threshold.</summary>
internal sealed record CacheRate(double Threshold, double HitRate, double FalseHitRate, int Hits, int Paraphrases, int FalseHits, int LookAlikes);

/// <summary>
/// The cache's acceptance rules measured on paraphrase and look-alike pairs: a paraphrase is a hit when the stored
/// question would answer the query (cosine at or above the threshold, and the guard agrees where the rule has it), a
/// look-alike that would is a false hit. The default threshold is the lowest at which the tuning split's false-hit
/// rate is at most the bound; the test split is only reported at it.
/// </summary>
internal static class CacheEvaluation
{
    public static IReadOnlyList<double> Thresholds { get; } = [.. Enumerable.Range(0, 31).Select(i => Math.Round(0.70 + (0.01 * i), 2))];

    /// <summary>Cosine of each pair under <paramref name="embedder"/>, every distinct text embedded once.</summary>
    public static async Task<float[]> ScoresAsync(IEmbedder embedder, IReadOnlyList<CachePair> pairs, CancellationToken ct)
    {
        var vectors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var texts = pairs.SelectMany(p => new[] { p.Stored, p.Query }).Distinct().ToList();
        if (embedder is Semantics.Embeddings.OnnxSentenceEmbedder onnx)
        {
            var all = onnx.EmbedBatch(texts);
            for (var i = 0; i < texts.Count; i++)
            {
                vectors[texts[i]] = all[i];
            }
        }
        else
        {
            foreach (var text in texts)
            {
                vectors[text] = await embedder.EmbedAsync(text, ct);
            }
        }

        return [.. pairs.Select(p => VectorMath.Dot(vectors[p.Stored], vectors[p.Query]))];
    }

    public static CacheRate Rate(IReadOnlyList<CachePair> pairs, float[] scores, bool guard, double threshold, bool askWords = true)
    {
        int hits = 0, paraphrases = 0, falseHits = 0, lookAlikes = 0;
        for (var i = 0; i < pairs.Count; i++)
        {
            var accepted = scores[i] >= threshold && (!guard || LexicalGuard.Agrees(pairs[i].Stored, pairs[i].Query, askWords));
            if (pairs[i].Same)
            {
                paraphrases++;
                hits += accepted ? 1 : 0;
            }
            else
            {
                lookAlikes++;
                falseHits += accepted ? 1 : 0;
            }
        }

        return new CacheRate(threshold, (double)hits / Math.Max(1, paraphrases), (double)falseHits / Math.Max(1, lookAlikes), hits, paraphrases, falseHits, lookAlikes);
    }

    /// <summary>The lowest threshold whose false-hit rate is at most <paramref name="bound"/>, or null when none is.</summary>
    public static CacheRate? Choose(IReadOnlyList<CachePair> pairs, float[] scores, bool guard, double bound, bool askWords = true)
    {
        foreach (var threshold in Thresholds)
        {
            var rate = Rate(pairs, scores, guard, threshold, askWords);
            if (rate.FalseHitRate <= bound)
            {
                return rate;
            }
        }

        return null;
    }

    /// <summary>The whole comparison as Markdown: per rule, the tuned threshold and its rates on both splits, then the table per threshold.</summary>
    public static async Task<string> ReportAsync(IReadOnlyList<CacheRule> rules, IReadOnlyList<CachePair> tune, IReadOnlyList<CachePair> test, double bound, CancellationToken ct)
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine(inv, $"Tuning split: {tune.Count(p => p.Same)} paraphrases, {tune.Count(p => !p.Same)} look-alikes. Test split: {test.Count(p => p.Same)} paraphrases, {test.Count(p => !p.Same)} look-alikes.");
        md.AppendLine();
        md.AppendLine(inv, $"| rule | threshold (lowest with tuning false hits <= {bound * 100:0.#} %) | tuning hits | tuning false hits | **test hits** | **test false hits** |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        var table = new List<(CacheRule Rule, float[] Tune, float[] Test)>();
        foreach (var rule in rules)
        {
            var tuneScores = await ScoresAsync(rule.Embedder, tune, ct);
            var testScores = await ScoresAsync(rule.Embedder, test, ct);
            table.Add((rule, tuneScores, testScores));
            if (Choose(tune, tuneScores, rule.Guard, bound, !rule.ChooseWithStructuralGuard) is { } chosen)
            {
                chosen = Rate(tune, tuneScores, rule.Guard, chosen.Threshold);
                var onTest = Rate(test, testScores, rule.Guard, chosen.Threshold);
                md.AppendLine(inv, $"| {rule.Name} | {chosen.Threshold:0.00} | {Percent(chosen.HitRate)} | {Percent(chosen.FalseHitRate)} | **{Percent(onTest.HitRate)}** ({onTest.Hits}/{onTest.Paraphrases}) | **{Percent(onTest.FalseHitRate)}** ({onTest.FalseHits}/{onTest.LookAlikes}) |");
            }
            else
            {
                md.AppendLine(inv, $"| {rule.Name} | none <= 0.99 | | | | |");
            }
        }

        md.AppendLine();
        md.AppendLine("Per threshold, test split (hits / false hits):");
        md.AppendLine();
        md.AppendLine("| threshold | " + string.Join(" | ", rules.Select(r => r.Name)) + " |");
        md.AppendLine("|---:|" + string.Concat(rules.Select(_ => "---:|")));
        foreach (var threshold in Thresholds.Where((_, i) => i % 2 == 0))
        {
            md.Append(inv, $"| {threshold:0.00} |");
            foreach (var (rule, _, testScores) in table)
            {
                var rate = Rate(test, testScores, rule.Guard, threshold);
                md.Append(inv, $" {Percent(rate.HitRate)} / {Percent(rate.FalseHitRate)} |");
            }

            md.AppendLine();
        }

        return md.ToString();
    }

    /// <summary>False hits and misses by pair kind for one rule at one threshold (where the rule goes wrong).</summary>
    public static string ByKind(IReadOnlyList<CachePair> pairs, float[] scores, bool guard, double threshold)
    {
        var md = new StringBuilder("| kind | pairs | accepted |\n|---|---:|---:|\n");
        foreach (var group in pairs.Select((p, i) => (p, i)).GroupBy(x => x.p.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var accepted = group.Count(x => scores[x.i] >= threshold && (!guard || LexicalGuard.Agrees(x.p.Stored, x.p.Query)));
            md.AppendLine(CultureInfo.InvariantCulture, $"| {group.Key} | {group.Count()} | {accepted} ({Percent((double)accepted / group.Count())}) |");
        }

        return md.ToString();
    }

    private static string Percent(double rate) => (rate * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";
}
