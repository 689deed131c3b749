using GreenGateway.Cli.Workloads;

namespace GreenGateway.Cli.Bench.Tests;

public sealed class BenchReportTests
{
    private static readonly BenchRunInfo Run = new(new DateTimeOffset(2026, 11, 22, 1, 0, 0, TimeSpan.Zero), TimeSpan.FromSeconds(90),
        "http://127.0.0.1:1/", "w.jsonl", "target", 64, "Test machine.");

    private static BenchResponse Answer(string tier, string content, double joules, double latency, SpeculativeUsage? speculative = null) => new()
    {
        Status = 200,
        Tier = tier,
        Content = content,
        EnergyJoules = joules,
        CarbonGrams = joules * 1e-4,
        BaselineJoules = 10,
        LatencyMs = latency,
        Speculative = speculative,
    };

    /// <summary>Ten items: the large model alone gets 8 right at 10 J each; the cascade gets the same 8 plus one rule answer.</summary>
    private static List<BenchItemResult> Results()
    {
        var results = new List<BenchItemResult>();
        for (var i = 0; i < 10; i++)
        {
            var truth = "answer " + i;
            var item = new WorkloadItem { Id = i.ToString(), Messages = [new ChatTurn("user", "q" + i)], Kind = i < 2 ? WorkloadKinds.Arithmetic : WorkloadKinds.ApiTrain, GroundTruth = truth, Check = AnswerCheckKinds.Exact };
            var alone = Answer("upstream", i < 2 ? "wrong" : truth, 10, 100 + i);
            var cascade = i switch
            {
                0 => Answer("rules", truth, 0.01, 1),
                1 => Answer("rules", "still wrong", 0.01, 1),
                < 5 => Answer("cache", truth, 0.05, 2),
                < 8 => Answer("draft", truth, 1, 20),
                _ => Answer("speculative", truth, 4, 60, new SpeculativeUsage(8, 4, 2, 4)),
            };
            results.Add(new BenchItemResult(item, cascade, alone, i % 2 == 0));
        }

        return results;
    }

    [Fact]
    public void ClaimedSaving_IsSetAgainstTheMeasuredOne_OnlyWhereTheBaselineWasObserved()
    {
        // Items 0-4 observed (baseline 10 J each), 5-9 modelled (baseline 10 J too, but on another footing).
        var results = Results().Select((r, i) => r with
        {
            Cascade = r.Cascade with { BaselineMethod = i < 5 ? "observed" : "modelled" },
        }).ToList();

        var s = BenchSummary.From(results);

        Assert.Equal((5, 5), s.BaselineMethods);
        // Observed items: cascade 2 x 0.01 + 3 x 0.05 = 0.17 J against a claimed 50 J and a measured 50 J alone.
        Assert.Equal(50 / 0.17, s.ClaimedSaving, 6);
        Assert.Equal(50 / 0.17, s.MeasuredSaving, 6);
        Assert.Equal(100 / 11.17, s.MeasuredSavingAll, 6);
        Assert.Equal(50, s.ModelledItems.Cascade.BaselineJoules, 9);
        var report = BenchReport.Write(s, Run);
        Assert.Contains("| claimed over measured | 1 |", report);
        Assert.Contains("(two footings: not a ratio)", report);
    }

    [Fact]
    public void Summary_ComputesEnergyPerCorrectAnswer_QualityAndTierMix()
    {
        var s = BenchSummary.From(Results());

        Assert.Equal((10, 9, 0.9), (s.Cascade.Requests, s.Cascade.Correct, s.Cascade.Accuracy));
        Assert.Equal((8, 0.8), (s.Upstream.Correct, s.Upstream.Accuracy));
        // Cascade: 2 x 0.01 + 3 x 0.05 + 3 x 1 + 2 x 4 = 11.17 J for 9 correct; alone 100 J for 8.
        Assert.Equal(11.17, s.Cascade.Joules, 9);
        Assert.Equal(11.17 / 9, s.Cascade.JoulesPerCorrect, 9);
        Assert.Equal(12.5, s.Upstream.JoulesPerCorrect, 9);
        Assert.Equal(12.5 / (11.17 / 9), s.EnergyRatio, 9);
        Assert.Equal(10, s.QualityDeltaPoints, 9);
        Assert.Equal(0.8, s.Agreement, 9);
        Assert.Equal(["rules", "cache", "draft", "speculative"], s.Tiers.Select(t => t.Tier).ToArray());
        Assert.Equal((16, 8, 4, 4.0), (s.Speculative.Proposed, s.Speculative.Accepted, s.Speculative.VerifyCalls, s.Speculative.MeanK));
        Assert.Equal(0.5, s.Speculative.AcceptanceRate);
        Assert.Equal(3.0, s.Speculative.TokensPerCall); // (8 accepted + 4 calls) / 4 calls
        Assert.Equal(109, s.Upstream.LatencyP99);
        Assert.Equal(104, s.Upstream.LatencyP50);
    }

    [Fact]
    public void Predicted_IsLeviathansExpectedTokensPerCall()
    {
        Assert.Equal(1.9375, SpeculativeStats.Predicted(0.5, 4), 9); // (1 - 0.5^5) / 0.5
        Assert.Equal(5, SpeculativeStats.Predicted(1, 4), 9);
        Assert.Equal(1, SpeculativeStats.Predicted(0, 4), 9);
    }

    [Fact]
    public void Write_ReportsTargetsTablesAndCharts()
    {
        var markdown = BenchReport.Write(BenchSummary.From(Results()), Run);

        Assert.Contains("10.1x (1.241 J against 12.5 J) | yes |", markdown);
        Assert.Contains("90.0 % against 80.0 % (+10.0 points) | yes |", markdown);
        Assert.Contains("pie title Which tier answered", markdown);
        Assert.Contains("    \"speculative\" : 2", markdown);
        Assert.Contains("| 0.500 | 3.00 | 1.94 |", markdown);
        Assert.Contains("| rules | 2 | 20.0 % | 0.01 | 0.2 % | 50.0 % | 1.0 |", markdown);
        Assert.Contains("| rule-arithmetic | 2 | 50.0 % | 0.0 % | 0.01 | 10 |", markdown);
        Assert.Equal(5, markdown.Split("```mermaid").Length - 1);
        Assert.Contains("| answered by another tier than `upstream` |  | 0 |", markdown);
        Assert.Contains("bar [1.241, 12.5]", markdown);
    }

    [Fact]
    public void Write_SaysSoWhenTheTargetsAreMissed_AndWhenNothingWasSpeculative()
    {
        var results = Results().Select(r => r with
        {
            Cascade = r.Cascade with { Tier = "upstream", Speculative = null, EnergyJoules = 10, Content = "wrong" },
            Upstream = r.Item.Id == "3" ? r.Upstream with { Tier = "cache" } : r.Upstream,
        }).ToList();

        var markdown = BenchReport.Write(BenchSummary.From(results), Run);

        Assert.Contains("| **no** |", markdown);
        Assert.Contains("| answered by another tier than `upstream` |  | **1** |", markdown);
        Assert.Contains("n/a", markdown); // no correct answer: no joules per correct answer
        Assert.Contains("No answer in this run reported `usage.speculative`.", markdown);
    }
}
