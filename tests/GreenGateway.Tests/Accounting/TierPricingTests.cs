using FsCheck;
using FsCheck.Fluent;
using GreenGateway.Core.Carbon;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Energy;
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
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], settings: new Dictionary<string, string?>
        {
            ["Energy:Pue"] = Pue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Models:priced:Upstream"] = "main",
        });
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
}
