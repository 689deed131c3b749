using GreenGateway.Cli.Evaluation;
using GreenGateway.Cli.Tests.Support;
using GreenGateway.Core.Policies;
using GreenGateway.Core.Rules;

namespace GreenGateway.Cli.Workloads.Tests;

public sealed class WorkloadBuilderTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly Corpus _corpus;

    public WorkloadBuilderTests()
    {
        SyntheticCorpus.Write(_folder.Path);
        _corpus = Corpus.Load(_folder.Path);
    }

    private static WorkloadOptions Options(int count = 200, int seed = 3) => new() { Count = count, Seed = seed, Namespaces = [SyntheticCorpus.Namespace] };

    [Fact]
    public void Build_WithTheSameSeed_WritesByteIdenticalFiles_AndAnotherSeedDiffers()
    {
        var a = _folder.File("a.jsonl");
        var b = _folder.File("b.jsonl");
        var c = _folder.File("c.jsonl");
        Jsonl.Write(a, WorkloadBuilder.Build(_corpus, Options()));
        Jsonl.Write(b, WorkloadBuilder.Build(Corpus.Load(_folder.Path), Options()));
        Jsonl.Write(c, WorkloadBuilder.Build(_corpus, Options(seed: 4)));

        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        Assert.NotEqual(File.ReadAllBytes(a), File.ReadAllBytes(c));
        Assert.Equal(200, Jsonl.Read<WorkloadItem>(a).Count());
    }

    [Fact]
    public void Build_HasTheDocumentedMix()
    {
        var items = WorkloadBuilder.Build(_corpus, Options(count: 300));
        int Count(params string[] kinds) => items.Count(i => kinds.Contains(i.Kind));

        Assert.Equal(300, items.Count);
        Assert.Equal(96, Count(WorkloadKinds.Repeat, WorkloadKinds.Paraphrase)); // 32 %
        Assert.Equal(48, Count(WorkloadKinds.Repeat));
        Assert.Equal(36, items.Count(i => WorkloadKinds.IsRule(i.Kind))); // 12 %
        Assert.Equal(84, Count(WorkloadKinds.ApiHeldOut));
        Assert.Equal(84, Count(WorkloadKinds.ApiTrain));
        Assert.All(WorkloadKinds.All, kind => Assert.Contains(items, i => i.Kind == kind));
        Assert.Equal(items.Count, items.Select(i => i.Id).Distinct().Count());
    }

    [Fact]
    public void Build_AsksOnlyAboutTheChosenNamespaces_AndHeldOutItemsUseHeldOutPhrasings()
    {
        var heldOut = _corpus.Groups.SelectMany(g => g.Phrasings).Where(p => p.HeldOut).Select(p => p.Question).ToHashSet();
        var items = WorkloadBuilder.Build(_corpus, Options());

        Assert.All(items.Where(i => i.Member is not null), i => Assert.StartsWith(SyntheticCorpus.Namespace + ".", i.Member));
        Assert.All(items.Where(i => i.Kind == WorkloadKinds.ApiHeldOut), i => Assert.Contains(i.Question, heldOut));
        Assert.All(items.Where(i => i.Kind == WorkloadKinds.ApiTrain), i => Assert.DoesNotContain(i.Question, heldOut));
        // New questions are distinct: only the planned repeats repeat anything.
        var originals = items.Where(i => i.RepeatOf is null && i.Member is not null).ToList();
        Assert.Equal(originals.Count, originals.Select(i => i.Member + i.GroundTruth).Distinct().Count());
    }

    [Fact]
    public void Repeats_FollowTheirOriginal_ExactlyOrInAnotherPhrasingWithTheSameAnswer()
    {
        var items = WorkloadBuilder.Build(_corpus, Options());
        var index = items.Select((item, i) => (item, i)).ToDictionary(x => x.item.Id, x => x.i);
        foreach (var (item, i) in items.Select((item, i) => (item, i)).Where(x => x.item.RepeatOf is not null))
        {
            var source = items[index[item.RepeatOf!]];
            Assert.True(index[source.Id] < i);
            Assert.Null(source.RepeatOf);
            Assert.Equal(source.GroundTruth, item.GroundTruth);
            if (item.Kind == WorkloadKinds.Repeat)
            {
                Assert.Equal(source.Question, item.Question);
            }
            else
            {
                Assert.Equal(WorkloadKinds.Paraphrase, item.Kind);
                Assert.NotEqual(source.Question, item.Question);
                Assert.Equal(source.Member, item.Member);
            }
        }

        Assert.All(items.GroupBy(i => i.RepeatOf).Where(g => g.Key is not null), g => Assert.True(g.Count() <= WorkloadBuilder.MaxRepeatsPerItem));
        Assert.DoesNotContain(items.Take(20), i => i.RepeatOf is not null);
    }

    [Fact]
    public void RuleItems_AreAnsweredByTheRules_AndTheirGroundTruthIsWhatTheRulesSay()
    {
        var items = WorkloadBuilder.Build(_corpus, Options(count: 400, seed: 9) with { RuleShare = 0.5 }).Where(i => WorkloadKinds.IsRule(i.Kind)).ToList();
        Assert.True(items.Count >= 100);
        AssertRulesAgree(items);
    }

    [Fact]
    public void ShippedWorkload_HasTheDocumentedMix_AndRuleTruthsHold()
    {
        var items = Jsonl.Read<WorkloadItem>(RepoPaths.ShippedWorkload).ToList();
        var repeats = items.Count(i => i.RepeatOf is not null);

        Assert.InRange(items.Count, 200, 600);
        Assert.InRange((double)repeats / items.Count, 0.28, 0.36);
        Assert.InRange((double)items.Count(i => WorkloadKinds.IsRule(i.Kind)) / items.Count, 0.08, 0.16);
        Assert.Contains(items, i => i.Kind == WorkloadKinds.ApiHeldOut);
        Assert.Contains(items, i => i.Kind == WorkloadKinds.ApiTrain);
        Assert.All(items, i => Assert.Contains(i.Check, new[] { AnswerCheckKinds.Exact, AnswerCheckKinds.Contains }));
        AssertRulesAgree([.. items.Where(i => WorkloadKinds.IsRule(i.Kind))]);
    }

    private static void AssertRulesAgree(IReadOnlyList<WorkloadItem> items)
    {
        var rules = new RuleEngine();
        var tenant = new TenantPolicy { Id = "t", KeyHashes = [] };
        foreach (var item in items)
        {
            var answer = rules.TryAnswer(PolicySet.Empty, tenant, item.Question, DateTimeOffset.UnixEpoch);
            Assert.True(answer is not null, $"the rules do not answer '{item.Question}'");
            Assert.True(AnswerCheck.IsCorrect(answer.Text, item.GroundTruth, item.Check), $"'{item.Question}': rules say '{answer.Text}', ground truth '{item.GroundTruth}'");
        }
    }

    public void Dispose() => _folder.Dispose();
}

public sealed class PromptSetTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public void BarePromptLines_ReadAsUserMessages_WithoutIdsOrReferences()
    {
        var path = _folder.File("prompts.jsonl");
        File.WriteAllLines(path, ["""{"prompt":"What does System.String.Trim do?"}""", "", """{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"What is 2 + 2?"}]}"""]);

        var items = Jsonl.Read<WorkloadItem>(path).ToList();

        Assert.Equal(2, items.Count);
        Assert.Equal(("", WorkloadKinds.Prompt, null), (items[0].Id, items[0].Kind, items[0].GroundTruth));
        Assert.Equal("What does System.String.Trim do?", items[0].Question);
        Assert.Equal([new ChatTurn("user", "What does System.String.Trim do?")], items[0].Chat);
        Assert.Equal("What is 2 + 2?", items[1].Question);
        Assert.Equal(2, items[1].Chat.Count);
    }

    public void Dispose() => _folder.Dispose();
}
