using FsCheck;
using FsCheck.Fluent;
using GreenGateway.Core.Carbon;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Energy;
using GreenGateway.Core.Requests;
using GreenGateway.Tests.Support;
using GreenGateway.Upstreams;
using Microsoft.Extensions.DependencyInjection;

namespace GreenGateway.Accounting.Tests;

/// <summary>
/// The price of the gateway's own work (rules, cache, draft, speculative: every local tier's answer is priced by
/// <see cref="EnergyAccountant.PriceTier"/> in the answer writer) is facility energy: the tier's IT measurement times the PUE.
/// The measurement is given, so the figures are exact; the accountant is the running gateway's own.
/// </summary>
public sealed class TierPricingTests
{
    private const double Pue = 1.375;

    [Fact]
    public async Task MeasuredTierEnergy_IsTheMeasurementTimesThePue_AndItsCarbonFollows()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream);
        var accountant = gateway.Services.GetRequiredService<EnergyAccountant>();
        var carbon = gateway.Services.GetRequiredService<CarbonCalculator>();
        Assert.True(gateway.Services.GetRequiredService<ModelCatalog>().TryResolve("priced", out var route));

        var work =
            from millijoules in Gen.Choose(0, 5_000_000)
            from method in Gen.Elements(EnergyMethod.Measured, EnergyMethod.Modelled, EnergyMethod.UpstreamReported)
            from prompt in Gen.Choose(0, 4000)
            from completion in Gen.Choose(0, 4000)
            from grams in Gen.Choose(0, 900)
            select (It: millijoules / 1000.0, Method: method, Usage: new TokenUsage(prompt, completion, Counted: false), Grid: (double)grams);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(Arb.From(work), w =>
        {
            var grid = new CarbonIntensity(w.Grid, "test", DateTimeOffset.UnixEpoch);
            var figures = accountant.PriceTier(route!, w.Usage, new TierWork(w.It, w.Method), grid);

            Assert.Equal(w.It * Pue, figures.Energy.Joules, 9);
            Assert.Equal(w.It * Pue, figures.Charge.Joules, 9);
            Assert.Equal(w.Method, figures.Energy.Method);
            Assert.Equal(carbon.Grams(w.It * Pue, grid, TimeSpan.Zero), figures.CarbonGrams, 12);
            Assert.Equal(w.Usage, figures.Usage);

            // The counterfactual is always priced now, on today's footing (a cache hit's too).
            var (joules, method) = accountant.Baseline(route!, w.Usage);
            Assert.Equal(joules, figures.BaselineJoules, 9);
            Assert.Equal(method, figures.BaselineMethod);
        }));
    }

    [Fact]
    public async Task Estimate_IsTheProfilesEnergyForThePromptAndTheCompletionLimit_TimesThePue()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream);
        var accountant = gateway.Services.GetRequiredService<EnergyAccountant>();
        var carbon = gateway.Services.GetRequiredService<CarbonCalculator>();
        Assert.True(gateway.Services.GetRequiredService<ModelCatalog>().TryResolve("priced", out var route));
        var profile = route!.Profile;

        var requests =
            from words in Gen.Choose(1, 400)
            from max in Gen.Choose(1, 4000)
            from n in Gen.Choose(1, 4)
            from grams in Gen.Choose(0, 900)
            select (Words: words, Max: max, N: n, Grid: (double)grams);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(100), Prop.ForAll(Arb.From(requests), r =>
        {
            var json = $$"""{"model":"priced","max_tokens":{{r.Max}},"n":{{r.N}},"messages":[{"role":"user","content":"{{string.Join(' ', Enumerable.Repeat("joule", r.Words))}}"}]}""";
            Assert.True(OpenAiRequest.TryParse(System.Text.Encoding.UTF8.GetBytes(json), ApiKind.ChatCompletions, out var request, out var error), error?.Message);
            var grid = new CarbonIntensity(r.Grid, "test", DateTimeOffset.UnixEpoch);

            var estimate = accountant.Estimate(route, request!, grid);

            // The reservation must cover what the answer may be charged: the modelled IT energy of the prompt and of
            // every choice's completion limit, as facility energy.
            var it = profile.JoulesPerRequest + (request!.PromptTokenEstimate * profile.JoulesPerPromptToken) + ((long)r.Max * r.N * profile.JoulesPerCompletionToken);
            Assert.Equal(it * Pue, estimate.Charge.Joules, 6);
            Assert.Equal(carbon.Grams(it * Pue, grid, TimeSpan.Zero), estimate.Charge.GramsCo2e, 9);
        }));
    }

    [Fact]
    public async Task ObservedBaseline_IsTheFitOfTheLargeModelsItEnergy_TimesThePue()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream);
        var accountant = gateway.Services.GetRequiredService<EnergyAccountant>();
        var counterfactual = gateway.Services.GetRequiredService<Counterfactual>();
        Assert.True(gateway.Services.GetRequiredService<ModelCatalog>().TryResolve("priced", out var route));

        // The large model's own reported answers (IT joules: 2 J a request, 0.01 J a prompt token, 0.3 J a completion
        // token), as its whole answers bring them, until the fit may stand for the model.
        for (var i = 0; i < 24; i++)
        {
            var (prompt, completion) = (20 + (7 * i), 2 + (5 * (i % 6)));
            counterfactual.Observe(route!.Model, prompt, completion, 2 + (0.01 * prompt) + (0.3 * completion));
        }

        var asked = new TokenUsage(300, 40, Counted: false);
        for (var attempt = 0; attempt < 100 && !accountant.BaselineObserved(route!); attempt++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        var (joules, method) = accountant.Baseline(route!, asked);

        Assert.Equal(BaselineMethod.Observed, method);
        Assert.Equal(counterfactual.Observed(route!.Model)!.Predict(asked) * Pue, joules, 6);
        Assert.Equal((2 + (0.01 * 300) + (0.3 * 40)) * Pue, joules, 1);
    }

    private static Task<GatewayHost> StartAsync(FakeOpenAiUpstream upstream) =>
        GatewayHost.StartAsync([upstream.BaseUrl], settings: new Dictionary<string, string?>
        {
            ["Energy:Pue"] = Pue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Models:priced:Upstream"] = "main",
        });
}
