using GreenGateway.Cli.Tests.Support;
using GreenGateway.Cli.Workloads;

namespace GreenGateway.Cli.Labeling.Tests;

/// <summary>The labeler on the shipped draft model, used as both draft and target to stay fast on CI.</summary>
public sealed class CascadeLabelerTests : IClassFixture<CascadeLabelerTests.DraftModel>
{
    private readonly LocalModel _model;

    public CascadeLabelerTests(DraftModel fixture) => _model = fixture.Model;

    [Fact]
    public async Task Label_RuleQuestion_IsRules_WithoutRunningTheModels()
    {
        var labeler = new CascadeLabeler(_model, _model, new LabelOptions());
        var record = await labeler.LabelAsync(Item("What is (3.5 + 2) * 4?", "22", AnswerCheckKinds.Contains), TestContext.Current.CancellationToken);

        Assert.Equal("rules", record.Label);
        Assert.Equal("22", record.RuleAnswer);
        Assert.Null(record.DraftAnswer);
    }

    [Fact]
    public async Task Label_WhenDraftAndTargetAgree_IsDraft_AndTheDraftWouldHaveBeenAcceptedWhole()
    {
        var labeler = new CascadeLabeler(_model, _model, new LabelOptions { MaxTokens = 24 });
        var record = await labeler.LabelAsync(Item("What does System.String.Trim do?", "Something else entirely.", AnswerCheckKinds.Exact), TestContext.Current.CancellationToken);

        Assert.Equal("draft", record.Label);
        Assert.True(record.DraftMatchesTarget);
        Assert.False(record.DraftCorrect);
        Assert.Equal(record.DraftAnswer, record.TargetAnswer);
        Assert.Equal(1.0, record.Acceptance);
        Assert.InRange(record.DraftMinProb!.Value, 0, record.DraftMeanProb!.Value);
        Assert.True(record.DraftMeanEntropy >= 0);
        Assert.True(record.DraftTokens > 0);
    }

    [Fact]
    public async Task ArgmaxAgreement_OfAnotherContinuation_IsTheShareOfPredictedTokens()
    {
        var ct = TestContext.Current.CancellationToken;
        var prompt = _model.Encode([new ChatTurn("user", "What does System.String.Trim do?")]);
        var greedy = await _model.GenerateGreedyAsync(prompt, 12, ct);
        // Swap the second half of the model's own greedy answer for tokens it would not pick.
        var half = greedy.TokenIds.Length / 2;
        var changed = greedy.TokenIds.Select((t, i) => i < half ? t : 3 + ((t + 17) % 500)).ToArray();

        Assert.Equal(1.0, await _model.ArgmaxAgreementAsync(prompt, greedy.TokenIds, ct));
        var agreement = await _model.ArgmaxAgreementAsync(prompt, changed, ct);
        Assert.True(agreement >= (double)half / changed.Length && agreement < 1, $"agreement {agreement}, half {half} of {changed.Length}");
    }

    [Theory]
    [InlineData(true, null, 0.0, "draft")]
    [InlineData(false, true, 0.0, "draft")]
    [InlineData(false, false, 0.5, "speculative")]
    [InlineData(false, null, 0.49, "upstream")]
    [InlineData(false, false, 0.2, "upstream")]
    public void Decide_PicksTheCheapestGoodEnoughTier(bool matches, bool? correct, double acceptance, string expected) =>
        Assert.Equal(expected, CascadeLabeler.Decide(matches, correct, acceptance, 0.5));

    [Fact]
    public void Calibration_CountsPrecisionAboveEachBar()
    {
        LabelRecord[] records =
        [
            new() { Prompt = "a", Label = "draft", DraftAnswer = "x", DraftMinProb = 0.95, DraftMeanEntropy = 0.2, DraftMatchesTarget = true, DraftCorrect = true },
            new() { Prompt = "b", Label = "upstream", DraftAnswer = "y", DraftMinProb = 0.55, DraftMeanEntropy = 1.5, DraftMatchesTarget = false, DraftCorrect = false },
            new() { Prompt = "c", Label = "draft", DraftAnswer = "z", DraftMinProb = 0.15, DraftMeanEntropy = 0.9, DraftMatchesTarget = true, DraftCorrect = null },
            new() { Prompt = "d", Label = "rules", RuleAnswer = "4" },
        ];
        var rows = Calibration.Compute(records);

        var all = rows.Single(r => r.Bar == 0);
        Assert.Equal((3, 2, 3), (all.Answered, all.Good, all.Total));
        var half = rows.Single(r => r.Bar == 0.5);
        Assert.Equal((2, 1), (half.Answered, half.Good));
        Assert.Equal(0.5, half.ReferencePrecision);
        Assert.Equal(1.0, rows.Single(r => r.Bar == 0.9).Precision);
        Assert.Contains("| 0.50 | 2 / 3 | 66.7 % | 50.0 % | 50.0 % |", Calibration.ToMarkdown(rows));
        // An entropy bar of 1.0 nats drops the confident-looking wrong answer; coverage stays relative to all three.
        var withEntropy = Calibration.Compute(records, maxMeanEntropy: 1.0).Single(r => r.Bar == 0.5);
        Assert.Equal((1, 1, 3), (withEntropy.Answered, withEntropy.Good, withEntropy.Total));
    }

    private static WorkloadItem Item(string question, string? truth, string check) =>
        new() { Id = "1", Messages = [new ChatTurn("user", question)], Kind = WorkloadKinds.ApiTrain, GroundTruth = truth, Check = check };

    public sealed class DraftModel : IDisposable
    {
        internal LocalModel Model { get; } = new(RepoPaths.Draft, threads: 2);

        public void Dispose() => Model.Dispose();
    }
}
