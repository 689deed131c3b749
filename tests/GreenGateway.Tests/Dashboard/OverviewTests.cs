using GreenGateway.Accounting;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Energy;
using GreenGateway.Core.Policies;
using GreenGateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GreenGateway.Dashboard.Tests;

/// <summary>What the overview adds to the series: the grid's forecast where the source has one, and speculation's rounds.</summary>
public sealed class OverviewTests
{
    private static readonly string Policies = $$"""
        tenants:
          alpha:
            keys: ["{alpha}"]
        admins:
          ops:
            keys: ["{{PolicySet.HashKey("key-admin")}}"]
        """;

    [Fact]
    public async Task Grid_GivesTheIntensityNow_AndTheForecastOfATimeSeriesThatReachesPastNow()
    {
        var now = DateTimeOffset.UtcNow;
        var file = Path.Combine(Path.GetTempPath(), $"gg-grid-{Guid.NewGuid():N}.csv");
        var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        await File.WriteAllLinesAsync(file, [
            "region,timestamp,gco2e_per_kwh",
            $"world,{hour.AddHours(-1):O},300",
            $"world,{hour.AddHours(1):O},250",
            $"world,{hour.AddHours(2):O},120",
            $"world,{hour.AddDays(3):O},999",
        ], TestContext.Current.CancellationToken);
        try
        {
            await using var upstream = await FakeOpenAiUpstream.StartAsync();
            await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies, new Dictionary<string, string?>
            {
                ["Carbon:Source"] = "timeseries",
                ["Carbon:TimeSeriesPath"] = file,
            });
            using var admin = gateway.Client("key-admin");
            var overview = await Json.ReadObjectAsync(await admin.GetAsync("/admin/v1/overview", TestContext.Current.CancellationToken));

            var grid = overview["grid"]![0]!;
            Assert.Equal(300, grid["g_per_kwh"]!.GetValue<double>());
            Assert.Equal([250.0, 120.0], grid["forecast"]!.AsArray().Select(p => p!["g_per_kwh"]!.GetValue<double>()));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Cascade_ReportsTheAcceptanceRate_AndTokensPerVerificationCall()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies);
        using var admin = gateway.Client("key-admin");
        var none = await Json.ReadObjectAsync(await admin.GetAsync("/admin/v1/overview", TestContext.Current.CancellationToken));
        Assert.Null(none["cascade"]);

        // Two speculative answers as Settlement reports them: 12 drafted tokens, 9 accepted, over 4 verification calls.
        var recorder = gateway.Services.GetRequiredService<ActivityRecorder>();
        var figures = new RequestFigures(new EnergyFigure(2, EnergyMethod.Measured), 0.001, 5, new TokenUsage(10, 8, true));
        recorder.Settled("r1", "alpha", "target", "speculative", 200, figures, new SpeculativeStats(8, 6, 3, 0.1, 1), TimeSpan.FromSeconds(1));
        recorder.Settled("r2", "alpha", "target", "speculative", 200, figures, new SpeculativeStats(4, 3, 1, 0.1, 1), TimeSpan.FromSeconds(1));

        var overview = await Json.ReadObjectAsync(await admin.GetAsync("/admin/v1/overview?window=day", TestContext.Current.CancellationToken));
        var cascade = overview["cascade"]!;
        Assert.Equal(2, cascade["speculative_answers"]!.GetValue<double>());
        Assert.Equal(0.75, cascade["acceptance_rate"]!.GetValue<double>(), 12);
        Assert.Equal((9 + 4) / 4.0, cascade["tokens_per_verification"]!.GetValue<double>(), 12);
        var model = overview["models"]!.AsArray().Single(m => m!["model"]!.GetValue<string>() == "target")!;
        Assert.Equal(4 / 36.0, model["joules_per_token"]!.GetValue<double>(), 12);
        Assert.Equal(8.0, model["tokens_per_second"]!.GetValue<double>(), 12);
        var series = await admin.GetStringAsync("/admin/v1/series?window=month&metric=spec_accepted", TestContext.Current.CancellationToken);
        Assert.Contains("\"speculative\":9", series, StringComparison.Ordinal);
    }
}
