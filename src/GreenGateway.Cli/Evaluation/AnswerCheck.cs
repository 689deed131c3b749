using System.Text;
using System.Text.RegularExpressions;
using GreenGateway.Cli.Workloads;

namespace GreenGateway.Cli.Evaluation;

/// <summary>
/// Judges an answer against a reference. <c>exact</c>: equal after SQuAD's normalization (lower case,
/// punctuation and the articles a/an/the removed, whitespace collapsed); <c>contains</c>: the reference's words
/// occur, in order and adjacent, among the answer's (numbers keep their sign and decimal point). A null
/// reference (greetings) accepts any non-empty answer. Token F1 is SQuAD's (Rajpurkar et al. 2016,
/// https://rajpurkar.github.io/SQuAD-explorer/, evaluate-v2.0.py).
/// </summary>
internal static partial class AnswerCheck
{
    public static bool IsCorrect(string answer, string? reference, string check)
    {
        if (reference is null)
        {
            return !string.IsNullOrWhiteSpace(answer);
        }

        return check switch
        {
            AnswerCheckKinds.Exact => Normalize(answer) == Normalize(reference),
            AnswerCheckKinds.Contains => ContainsWords(answer, reference),
            _ => throw new ArgumentException($"unknown check '{check}' (exact or contains)", nameof(check)),
        };
    }

    /// <summary>SQuAD's normalize_answer.</summary>
    public static string Normalize(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            // Python's string.punctuation: the ASCII punctuation and symbols.
            if (!(c < 128 && (char.IsPunctuation(c) || char.IsSymbol(c))))
            {
                builder.Append(c);
            }
        }

        var words = Articles().Replace(builder.ToString(), " ").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', words);
    }

    /// <summary>SQuAD's token F1 of the normalized answer against the normalized reference; 1 when both are empty.</summary>
    public static double TokenF1(string answer, string? reference)
    {
        if (reference is null)
        {
            return string.IsNullOrWhiteSpace(answer) ? 0 : 1;
        }

        var predicted = Normalize(answer).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var gold = Normalize(reference).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (predicted.Length == 0 || gold.Length == 0)
        {
            return predicted.Length == gold.Length ? 1 : 0;
        }

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var g in gold)
        {
            counts[g] = counts.GetValueOrDefault(g) + 1;
        }

        var common = 0;
        foreach (var p in predicted)
        {
            if (counts.GetValueOrDefault(p) > 0)
            {
                counts[p]--;
                common++;
            }
        }

        if (common == 0)
        {
            return 0;
        }

        var precision = (double)common / predicted.Length;
        var recall = (double)common / gold.Length;
        return 2 * precision * recall / (precision + recall);
    }

    private static bool ContainsWords(string answer, string reference)
    {
        var words = Words(answer);
        var wanted = Words(reference);
        if (wanted.Count == 0)
        {
            return words.Count > 0;
        }

        for (var start = 0; start + wanted.Count <= words.Count; start++)
        {
            var all = true;
            for (var i = 0; i < wanted.Count && all; i++)
            {
                all = words[start + i] == wanted[i];
            }

            if (all)
            {
                return true;
            }
        }

        return false;
    }

    private static List<string> Words(string text) => [.. Word().Matches(text.ToLowerInvariant()).Select(m => m.Value)];

    [GeneratedRegex(@"\b(a|an|the)\b", RegexOptions.CultureInvariant)]
    private static partial Regex Articles();

    [GeneratedRegex(@"-?\d+(?:\.\d+)*|[\p{L}\p{N}_]+", RegexOptions.CultureInvariant)]
    private static partial Regex Word();
}
