using System.Globalization;

namespace GreenGateway.Cli.Workloads;

/// <summary>The mix of a built workload. Defaults are the shipped workload's (docs/cascade-workload.md).</summary>
internal sealed record WorkloadOptions
{
    /// <summary>Items in the workload. Default 400.</summary>
    public int Count { get; init; } = 400;

    /// <summary>Seed of every random choice: the same corpus, count and seed give the same file. Default 6.</summary>
    public int Seed { get; init; } = 6;

    /// <summary>
    /// Share of items that repeat an earlier one, half verbatim and half in another phrasing. Default 0.32:
    /// MeanCache found about 31% of real user queries repeat an earlier one (Gill et al., "MeanCache:
    /// User-Centric Semantic Caching for LLM Web Services", arXiv:2403.02694).
    /// </summary>
    public double RepeatShare { get; init; } = 0.32;

    /// <summary>Share of items tier 0 can answer (arithmetic, units, weekdays, greetings). Default 0.12.</summary>
    public double RuleShare { get; init; } = 0.12;

    /// <summary>Share of the new .NET API questions asked in a phrasing the models never saw. Default 0.5.</summary>
    public double HeldOutShare { get; init; } = 0.5;

    /// <summary>Ask only about these namespaces' types and members (the corpus' --slice set): what people ask about. Default the slice.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } =
    [
        "System", "System.Collections.Generic", "System.Collections.Concurrent", "System.Linq", "System.IO",
        "System.Text", "System.Threading", "System.Threading.Tasks", "System.Net.Http", "System.Text.Json",
        "Microsoft.AspNetCore.Http", "Microsoft.AspNetCore.Builder", "Microsoft.Extensions.DependencyInjection",
    ];
}

/// <summary>Builds a reproducible workload from the demo corpus: new API questions, rule questions, repeats and paraphrases.</summary>
internal static class WorkloadBuilder
{
    /// <summary>The most times one item is repeated or paraphrased.</summary>
    public const int MaxRepeatsPerItem = 3;

    private enum Slot
    {
        ApiTrain,
        ApiHeldOut,
        Arithmetic,
        Units,
        Weekday,
        Greeting,
        Repeat,
        Paraphrase,
    }

    public static IReadOnlyList<WorkloadItem> Build(Corpus corpus, WorkloadOptions options)
    {
        var random = new Random(options.Seed);
        var slots = Plan(options, random);

        // Distinct groups for the new questions, so that only the planned repeats repeat anything.
        var inScope = corpus.Groups.Where(g => g.Phrasings.Count > 1 && corpus.InNamespaces(g.Member, options.Namespaces)).ToList();
        var heldOut = inScope.Where(g => g.Phrasings.Any(p => p.HeldOut)).ToList();
        var trained = inScope.Where(g => !g.Phrasings.Any(p => p.HeldOut)).ToList();
        random.Shuffle(CollectionsMarshalList(heldOut));
        random.Shuffle(CollectionsMarshalList(trained));
        int nextHeldOut = 0, nextTrained = 0;

        var items = new List<WorkloadItem>(slots.Count);
        var originals = new List<(WorkloadItem Item, CorpusGroup? Group)>();
        var repeated = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var slot in slots)
        {
            var id = (items.Count + 1).ToString("D4", CultureInfo.InvariantCulture);
            WorkloadItem item;
            switch (slot)
            {
                case Slot.ApiTrain:
                case Slot.ApiHeldOut:
                {
                    var isHeldOut = slot == Slot.ApiHeldOut;
                    var pool = isHeldOut ? heldOut : trained;
                    var index = isHeldOut ? nextHeldOut++ : nextTrained++;
                    if (index >= pool.Count)
                    {
                        throw new InvalidOperationException($"the corpus has only {pool.Count} {(isHeldOut ? "held-out" : "training")} questions in the chosen namespaces.");
                    }

                    var group = pool[index];
                    var phrasings = group.Phrasings.Where(p => p.HeldOut == isHeldOut).ToList();
                    var question = phrasings[random.Next(phrasings.Count)];
                    item = Api(id, isHeldOut ? WorkloadKinds.ApiHeldOut : WorkloadKinds.ApiTrain, question.Question, group);
                    originals.Add((item, group));
                    break;
                }

                case Slot.Repeat:
                {
                    var (source, _) = Pick(originals, repeated, random);
                    repeated[source.Id] = repeated.GetValueOrDefault(source.Id) + 1;
                    item = source with { Id = id, Kind = WorkloadKinds.Repeat, RepeatOf = source.Id };
                    break;
                }

                case Slot.Paraphrase:
                {
                    var (source, group) = Pick([.. originals.Where(o => o.Group is not null)], repeated, random);
                    repeated[source.Id] = repeated.GetValueOrDefault(source.Id) + 1;
                    var others = group!.Phrasings.Where(p => p.Question != source.Question).ToList();
                    item = Api(id, WorkloadKinds.Paraphrase, others[random.Next(others.Count)].Question, group) with { RepeatOf = source.Id };
                    break;
                }

                default:
                {
                    var (kind, (question, answer)) = slot switch
                    {
                        Slot.Arithmetic => (WorkloadKinds.Arithmetic, RuleQuestions.Arithmetic(random)),
                        Slot.Units => (WorkloadKinds.Units, RuleQuestions.Units(random)),
                        Slot.Weekday => (WorkloadKinds.Weekday, RuleQuestions.Weekday(random)),
                        _ => (WorkloadKinds.Greeting, RuleQuestions.Greeting(random)),
                    };
                    item = new WorkloadItem
                    {
                        Id = id,
                        Messages = [new ChatTurn("user", question)],
                        Kind = kind,
                        GroundTruth = answer,
                        Check = AnswerCheckKinds.Contains,
                    };
                    originals.Add((item, null));
                    break;
                }
            }

            items.Add(item);
        }

        return items;
    }

    /// <summary>An earlier item to repeat, uniformly among those repeated fewer than <see cref="MaxRepeatsPerItem"/> times (any, if none is left).</summary>
    private static (WorkloadItem Item, CorpusGroup? Group) Pick(List<(WorkloadItem Item, CorpusGroup? Group)> candidates, Dictionary<string, int> repeated, Random random)
    {
        var fresh = candidates.Where(c => repeated.GetValueOrDefault(c.Item.Id) < MaxRepeatsPerItem).ToList();
        var pool = fresh.Count > 0 ? fresh : candidates;
        return pool[random.Next(pool.Count)];
    }

    private static WorkloadItem Api(string id, string kind, string question, CorpusGroup group) => new()
    {
        Id = id,
        Messages = [new ChatTurn("user", question)],
        Kind = kind,
        GroundTruth = group.Answer,
        Check = AnswerCheckKinds.Exact,
        Member = group.Member,
    };

    /// <summary>
    /// The kinds of all items in order: exact counts from the shares, shuffled, then repaired so that a repeat
    /// only follows something it can repeat (a paraphrase needs an earlier API question).
    /// </summary>
    private static List<Slot> Plan(WorkloadOptions options, Random random)
    {
        var n = options.Count;
        var repeats = (int)Math.Round(n * options.RepeatShare);
        var rules = (int)Math.Round(n * options.RuleShare);
        var api = n - repeats - rules;
        if (api < 1 || repeats < 0 || rules < 0)
        {
            throw new ArgumentException($"the shares leave no new API questions in {n} items.");
        }

        var slots = new List<Slot>(n);
        var heldOut = (int)Math.Round(api * options.HeldOutShare);
        slots.AddRange(Enumerable.Repeat(Slot.ApiHeldOut, heldOut));
        slots.AddRange(Enumerable.Repeat(Slot.ApiTrain, api - heldOut));
        var exact = repeats / 2;
        slots.AddRange(Enumerable.Repeat(Slot.Repeat, exact));
        slots.AddRange(Enumerable.Repeat(Slot.Paraphrase, repeats - exact));
        // Rule questions: arithmetic 35%, units 30%, weekdays 25%, greetings the rest.
        var arithmetic = (int)Math.Round(rules * 0.35);
        var units = (int)Math.Round(rules * 0.30);
        var weekday = (int)Math.Round(rules * 0.25);
        slots.AddRange(Enumerable.Repeat(Slot.Arithmetic, arithmetic));
        slots.AddRange(Enumerable.Repeat(Slot.Units, units));
        slots.AddRange(Enumerable.Repeat(Slot.Weekday, weekday));
        slots.AddRange(Enumerable.Repeat(Slot.Greeting, rules - arithmetic - units - weekday));

        var array = slots.ToArray();
        random.Shuffle(array);
        slots = [.. array];
        // No repeats in the first tenth: a repeat needs something to repeat, and real traffic repeats what it
        // has seen over a while, not its first few questions over and over.
        var warmUp = Math.Max(1, n / 10);
        for (var i = 0; i < warmUp && i < slots.Count; i++)
        {
            if (slots[i] is Slot.Repeat or Slot.Paraphrase)
            {
                var j = slots.FindIndex(warmUp, s => s is not (Slot.Repeat or Slot.Paraphrase));
                if (j < 0)
                {
                    break;
                }

                (slots[i], slots[j]) = (slots[j], slots[i]);
            }
        }

        for (var i = 0; i < slots.Count; i++)
        {
            if (slots[i] is Slot.Repeat or Slot.Paraphrase && !slots.Take(i).Any(s => s is Slot.ApiTrain or Slot.ApiHeldOut))
            {
                var j = slots.FindIndex(i + 1, s => s is Slot.ApiTrain or Slot.ApiHeldOut);
                (slots[i], slots[j]) = (slots[j], slots[i]);
            }
        }

        return slots;
    }

    private static Span<CorpusGroup> CollectionsMarshalList(List<CorpusGroup> list) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list);
}
