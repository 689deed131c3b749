using System.Text.Json;

namespace GreenGateway.Cli.Workloads;

/// <summary>A question of the demo corpus (tools/corpus/build_corpus.py) and its reference answer.</summary>
/// <param name="Question">The user message.</param>
/// <param name="Answer">The first sentence of the member's documentation.</param>
/// <param name="Member">The member asked about, e.g. <c>System.String.Trim</c>.</param>
/// <param name="Kind"><c>summary</c>, <c>returns</c> or <c>param</c>.</param>
/// <param name="HeldOut">From heldout.jsonl.gz: a phrasing the models never saw.</param>
internal sealed record CorpusQuestion(string Question, string Answer, string Member, string Kind, bool HeldOut)
{
    /// <summary>Phrasings with the same key ask the same thing and have the same answer.</summary>
    public string GroupKey => Member + "|" + Kind + "|" + Answer;
}

/// <summary>The chat records of a corpus folder (train.jsonl.gz and heldout.jsonl.gz), grouped by question.</summary>
internal sealed class Corpus
{
    private const string TypeQuestion = "Explain the type ";

    private Corpus(IReadOnlyList<CorpusGroup> groups)
    {
        Groups = groups;
        Types = groups.SelectMany(g => g.Phrasings)
            .Where(p => p.Question.StartsWith(TypeQuestion, StringComparison.Ordinal))
            .Select(p => p.Member)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Every (member, kind, answer) group with its phrasings, in file order.</summary>
    public IReadOnlyList<CorpusGroup> Groups { get; }

    /// <summary>The members that are types (asked about as "Explain the type X.").</summary>
    public IReadOnlySet<string> Types { get; }

    /// <summary>Whether <paramref name="member"/> is a type directly in one of <paramref name="namespaces"/>, or a member of such a type.</summary>
    public bool InNamespaces(string member, IReadOnlyList<string> namespaces)
    {
        var type = Types.Contains(member) ? member : Parent(member);
        return type is not null && Types.Contains(type) && Parent(type) is { } ns && namespaces.Contains(ns);
    }

    private static string? Parent(string name)
    {
        // Dots inside a generic argument list ("Func<T1,T2>") do not occur in display names; the last dot separates.
        var dot = name.LastIndexOf('.');
        return dot > 0 ? name[..dot] : null;
    }

    public static Corpus Load(string folder)
    {
        var train = Path.Combine(folder, "train.jsonl.gz");
        var heldOut = Path.Combine(folder, "heldout.jsonl.gz");
        if (!File.Exists(train) || !File.Exists(heldOut))
        {
            throw new FileNotFoundException($"no corpus in {folder} (train.jsonl.gz, heldout.jsonl.gz): run python3 tools/corpus/build_corpus.py first.");
        }

        var groups = new Dictionary<string, CorpusGroup>(StringComparer.Ordinal);
        var order = new List<CorpusGroup>();
        foreach (var question in Read(train, false).Concat(Read(heldOut, true)))
        {
            if (!groups.TryGetValue(question.GroupKey, out var group))
            {
                group = new CorpusGroup(question.GroupKey, question.Member, question.Kind, question.Answer);
                groups.Add(question.GroupKey, group);
                order.Add(group);
            }

            group.Phrasings.Add(question);
        }

        return new Corpus(order);
    }

    private static IEnumerable<CorpusQuestion> Read(string path, bool heldOut)
    {
        foreach (var line in Jsonl.ReadLines(path))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (!root.TryGetProperty("messages", out var messages) || messages.GetArrayLength() < 2)
            {
                continue; // plain documents
            }

            var member = root.GetProperty("member").GetString()!;
            yield return new CorpusQuestion(messages[0].GetProperty("content").GetString()!, messages[1].GetProperty("content").GetString()!,
                member, root.GetProperty("kind").GetString()!, heldOut);
        }
    }
}

/// <summary>The phrasings of one question (training ones first, then the held-out one if any).</summary>
internal sealed record CorpusGroup(string Key, string Member, string Kind, string Answer)
{
    public List<CorpusQuestion> Phrasings { get; } = [];
}
