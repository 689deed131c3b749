using System.Net;
using System.Text.Json.Nodes;

namespace GreenGateway.Cascade.Tests;

/// <summary>Tiers 2 and 3 end to end: the real draft in the gateway, the real target behind the model host.</summary>
public sealed class CascadeTierTests(CascadeFixture fixture) : IClassFixture<CascadeFixture>
{
    /// <summary>Questions of the demo world; the draft knows some of their answers and not others.</summary>
    public static TheoryData<string> Questions => new()
    {
        "What does System.String.Trim do?",
        "What does System.Linq.Enumerable.Reverse return?",
        "Explain System.IO.Path.GetExtension.",
        "What is the value parameter of System.Collections.Generic.List`1.Add?",
        "What does Microsoft.AspNetCore.Http.HttpContext.Abort do?",
        "Tell me a story about a dragon who learned to code.",
    };

    [Theory]
    [MemberData(nameof(Questions))]
    public async Task Greedy_SpeculativeAnswer_IsIdenticalToTheLargeModelsGreedyAnswer(string question)
    {
        var (upstream, reference) = await fixture.AskAsync("key-alpha", question, "upstream");
        var (response, body) = await fixture.AskAsync("key-alpha", question, "speculative");

        Assert.Equal(HttpStatusCode.OK, upstream.StatusCode);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("speculative", CascadeFixture.Tier(response));
        Assert.Equal(CascadeFixture.Content(reference), CascadeFixture.Content(body));
        Assert.Equal(reference["choices"]![0]!["finish_reason"]!.GetValue<string>(), body["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal(reference["usage"]!["completion_tokens"]!.GetValue<int>(), body["usage"]!["completion_tokens"]!.GetValue<int>());
        var speculative = body["usage"]!["speculative"]!;
        Assert.True(speculative["verify_calls"]!.GetValue<int>() >= 1);
        Assert.True(speculative["tokens_per_call"]!.GetValue<double>() >= 1);
    }

    [Fact]
    public async Task Greedy_StreamedSpeculativeAnswer_IsIdenticalToo_AndReportsItsSpeculation()
    {
        const string question = "What does System.Linq.Enumerable.Reverse return?";
        var (_, reference) = await fixture.AskAsync("key-alpha", question, "upstream");

        var (response, content, usage) = await fixture.StreamAsync("key-alpha", question, "speculative");

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(CascadeFixture.Content(reference), content);
        Assert.Equal("speculative", usage!["tier"]!.GetValue<string>());
        Assert.True(usage["speculative"]!["proposed"]!.GetValue<int>() > 0);
        Assert.True(usage["energy_joules"]!.GetValue<double>() > 0);
    }

    [Fact]
    public async Task Cascade_FullLenience_AcceptsEveryDraftedToken_GreedyDoesNot()
    {
        const string question = "Tell me a story about a dragon who learned to code.";

        var (_, lenient) = await fixture.AskAsync("key-beta", question);
        var (_, strict) = await fixture.AskAsync("key-alpha", question, "speculative");

        Assert.Equal(1.0, lenient["usage"]!["speculative"]!["acceptance_rate"]!.GetValue<double>());
        Assert.True(strict["usage"]!["speculative"]!["acceptance_rate"]!.GetValue<double>() < 1.0);
    }

    [Fact]
    public async Task Sampling_WithASeed_IsReproducible_AndVerified()
    {
        const string question = "Explain System.IO.Path.GetExtension.";
        const string seeded = ""","seed":11""";

        var (first, a) = await fixture.AskAsync("key-gamma", question, "speculative", seeded, temperature: 0.8);
        var (_, b) = await fixture.AskAsync("key-gamma", question, "speculative", seeded, temperature: 0.8);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("speculative", CascadeFixture.Tier(first));
        Assert.Equal(CascadeFixture.Content(a), CascadeFixture.Content(b));
        Assert.True(a["usage"]!["speculative"]!["verify_calls"]!.GetValue<int>() >= 1);
    }

    [Fact]
    public async Task Draft_AnswersAlone_WhenItClearsTheBar_WithMeasuredEnergyBelowTheBaseline()
    {
        var (response, body) = await fixture.AskAsync("key-saver", "What does System.String.Trim do?");

        Assert.Equal("draft", CascadeFixture.Tier(response));
        var usage = body["usage"]!;
        Assert.Equal("measured", usage["energy_method"]!.GetValue<string>());
        Assert.True(usage["energy_joules"]!.GetValue<double>() > 0);
        Assert.True(usage["energy_joules"]!.GetValue<double>() < usage["baseline_energy_joules"]!.GetValue<double>());
        Assert.NotEmpty(CascadeFixture.Content(body));
    }

    [Fact]
    public async Task Draft_BelowTheBar_HandsItsTokensToTheSpeculativeTier()
    {
        var (response, body) = await fixture.AskAsync("key-alpha", "What does Microsoft.AspNetCore.Http.HttpContext.Abort do?");

        Assert.Equal("speculative", CascadeFixture.Tier(response));
        Assert.True(body["usage"]!["speculative"]!["proposed"]!.GetValue<int>() > 0);
    }

    [Fact]
    public async Task SpentBudget_WithDowngrade_IsServedBelowTheLargeModel()
    {
        // The first request is admitted (the budget is not yet spent) and spends it; the next one is downgraded.
        var (first, _) = await fixture.AskAsync("key-tiny", "Explain System.IO.Path.GetExtension.");
        var (response, body) = await fixture.AskAsync("key-tiny", "Explain System.IO.Path.GetExtension.");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.False(first.Headers.Contains("X-GG-Restricted"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("budget", response.Headers.GetValues("X-GG-Restricted").Single());
        Assert.Equal("draft", CascadeFixture.Tier(response));
        Assert.Equal("draft", body["usage"]!["tier"]!.GetValue<string>());
    }

    [Fact]
    public async Task JouleCap_RestrictsToTheCheaperTiers()
    {
        var (response, _) = await fixture.AskAsync("key-delta", "Explain System.IO.Path.GetExtension.");

        Assert.Equal("joule-cap", response.Headers.GetValues("X-GG-Restricted").Single());
        Assert.Equal("draft", CascadeFixture.Tier(response));
    }

    [Fact]
    public async Task CarbonAware_AboveTheTenantsIntensity_UsesItsCheaperTiers()
    {
        // The test gateway's grid is the static 473 g/kWh; this tenant narrows to rules, cache and draft above 100.
        var (response, _) = await fixture.AskAsync("key-limited", "What does System.String.Trim do?");

        Assert.Equal("draft", CascadeFixture.Tier(response));
    }

    [Fact]
    public async Task RulesStillComeFirst()
    {
        var (response, body) = await fixture.AskAsync("key-saver", "What is 12 * (3 + 4)?");

        Assert.Equal("rules", CascadeFixture.Tier(response));
        Assert.Contains("84", CascadeFixture.Content(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownTier_IsAClearError()
    {
        var (response, body) = await fixture.AskAsync("key-alpha", "What does System.String.Trim do?", "oracle");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("unknown_tier", body["error"]!["code"]!.GetValue<string>());
        Assert.Contains("oracle", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoAllowedTierAnswers_IsAClearError()
    {
        var (response, body) = await fixture.AskAsync("key-alpha", "What does System.String.Trim do?", "rules");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("no_tier_answered", body["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Outcomes_AreLoggedWithTheirLabels_ForRetrainingTheRouter()
    {
        await fixture.AskAsync("key-saver", "What does System.Guid.NewGuid do?");
        await fixture.AskAsync("key-alpha", "What does System.Guid.Parse do?");

        var lines = new List<JsonObject>();
        for (var attempt = 0; attempt < 50 && lines.Count(l => l["prompt"]!.GetValue<string>().Contains("Guid", StringComparison.Ordinal)) < 2; attempt++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            lines = File.Exists(fixture.OutcomeLog)
                ? [.. (await File.ReadAllLinesAsync(fixture.OutcomeLog, TestContext.Current.CancellationToken)).Select(l => JsonNode.Parse(l)!.AsObject())]
                : [];
        }

        var draft = lines.Single(l => l["prompt"]!.GetValue<string>() == "What does System.Guid.NewGuid do?");
        Assert.Equal("draft", draft["tier"]!.GetValue<string>());
        Assert.Equal("draft", draft["label"]!.GetValue<string>());
        var speculative = lines.Single(l => l["prompt"]!.GetValue<string>() == "What does System.Guid.Parse do?");
        Assert.Equal("speculative", speculative["tier"]!.GetValue<string>());
        Assert.Contains(speculative["label"]!.GetValue<string>(), new[] { "speculative", "upstream" });
        Assert.True(speculative["acceptance_rate"]!.GetValue<double>() >= 0);
    }
}
