using GreenGateway.Core.Batches;
using GreenGateway.Core.Carbon;

namespace GreenGateway.Core.Batches.Tests;

/// <summary>The plan on synthetic forecasts: hourly values that the tests make up (and say so).</summary>
public sealed class BatchPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 0, 0, 0, TimeSpan.Zero);
    private static readonly BatchPlanner Planner = new(new BatchPlannerOptions { Margin = TimeSpan.FromHours(1), RateUtilization = 1 });

    /// <summary>A synthetic hourly forecast from <see cref="Now"/>.</summary>
    internal static CarbonForecast Hourly(string region, params double[] values) =>
        new(region, "synthetic", [.. values.Select((v, i) => new ForecastPoint(Now.AddHours(i), v))]);

    [Fact]
    public void Plan_PutsTheWorkInTheCleanestHourBeforeTheDeadline()
    {
        var forecast = Hourly("solar", 500, 480, 300, 90, 120, 450, 500, 500, 500, 500, 500, 500);

        var plan = Planner.Plan(new PlanInput(Now, Now.AddHours(12), Requests: 3000, RequestsPerSecond: 1, [forecast]));

        var slot = Assert.Single(plan.Slots);
        Assert.Equal(Now.AddHours(3), slot.Start);
        Assert.Equal(90, slot.GramsPerKwh);
        Assert.False(plan.RunNow);
        Assert.Null(plan.SlotAt(Now));
        Assert.Equal(Now.AddHours(3), plan.NextStart(Now));
    }

    [Fact]
    public void Plan_WorkLongerThanTheCleanHours_TakesTheNextCleanest_InTimeOrder()
    {
        var forecast = Hourly("solar", 500, 480, 300, 90, 120, 450, 500, 500, 500, 500, 500, 500);

        var plan = Planner.Plan(new PlanInput(Now, Now.AddHours(12), Requests: 3 * 3600, RequestsPerSecond: 1, [forecast]));

        Assert.Equal([Now.AddHours(2), Now.AddHours(3), Now.AddHours(4)], plan.Slots.Select(s => s.Start));
        Assert.Equal(3 * 3600, plan.Slots.Sum(s => s.Requests));
        Assert.Equal((300 + 90 + 120) / 3.0, plan.MeanGramsPerKwh, 9);
    }

    [Fact]
    public void Plan_DeadlineThatCannotBeMetInCleanHours_RunsNow()
    {
        var forecast = Hourly("solar", 500, 480, 300, 90, 120, 450);

        // Six hours of work at the allowed rate, six hours to the deadline: there is no room to wait for the dip.
        var plan = Planner.Plan(new PlanInput(Now, Now.AddHours(6), Requests: 6 * 3600, RequestsPerSecond: 1, [forecast]));

        Assert.True(plan.RunNow);
        Assert.Contains("runs now", plan.Reason, StringComparison.Ordinal);
        Assert.NotNull(plan.SlotAt(Now));
        Assert.Equal(Now, plan.Slots[0].Start);
    }

    [Fact]
    public void Plan_OfAFlatForecast_RunsNow_WhereverNowFallsInTheHour()
    {
        // A time-weighted mean of a constant over a slot is not always bit-equal to it (473 came out as 472.99999999999994
        // over 13:00-13:43:12.x and made that slot "cleaner" than the one in force: the batch waited for it). Nows with
        // sub-second parts, as a clock gives them, and deadlines in whole Unix seconds, as a batch keeps them.
        var planner = new BatchPlanner(new BatchPlannerOptions());
        var waited = new List<string>();
        for (var i = 0; i < 2000; i++)
        {
            var at = new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero).AddTicks(i * 17_999_999L);
            var deadline = DateTimeOffset.FromUnixTimeSeconds(at.AddHours(1).ToUnixTimeSeconds());

            var plan = planner.Plan(new PlanInput(at, deadline, Requests: 12, RequestsPerSecond: 2, [CarbonForecast.Flat("world", new CarbonIntensity(473, "static", at))]));

            if (!plan.RunNow || plan.Slots[0].Start != at)
            {
                waited.Add($"{at:O}: {plan.Reason}");
            }
        }

        Assert.Empty(waited);
    }

    [Fact]
    public void Plan_OfAFlatForecast_RunsNow()
    {
        var plan = Planner.Plan(new PlanInput(Now, Now.AddHours(24), Requests: 10, RequestsPerSecond: 1, [CarbonForecast.Flat("world", new CarbonIntensity(473, "static", Now))]));

        Assert.True(plan.RunNow);
        Assert.NotNull(plan.SlotAt(Now));
    }

    [Fact]
    public void Plan_WithTwoRegions_TakesTheCleanerRegionOfEachHour()
    {
        var solar = Hourly("solar", 500, 500, 60, 500);
        var flat = Hourly("hydro", 200, 200, 200, 200);

        var plan = Planner.Plan(new PlanInput(Now, Now.AddHours(4), Requests: 2 * 3600, RequestsPerSecond: 1, [solar, flat]));

        Assert.Equal(["solar", "hydro"], plan.Slots.OrderBy(s => s.GramsPerKwh).Select(s => s.Region));
        Assert.Equal(Now.AddHours(2), plan.Slots.Single(s => s.Region == "solar").Start);
    }

    [Fact]
    public void Plan_AlignsSlotsToTheClock_FromAMomentInsideAnHour()
    {
        var forecast = Hourly("solar", 100, 500, 500);
        var at = Now.AddMinutes(30);

        var plan = Planner.Plan(new PlanInput(at, Now.AddHours(3), Requests: 100, RequestsPerSecond: 1, [forecast]));

        var slot = Assert.Single(plan.Slots);
        Assert.Equal(at, slot.Start);
        Assert.Equal(Now.AddHours(1), slot.End);
    }

    [Fact]
    public async Task ForecastOutage_FallsBackToTheSourcesCurrentValue_AndThenTheStaticDefault()
    {
        var down = new DownForecastSource(new CarbonIntensity(321, "last", Now));
        var withLast = await CarbonForecasts.GetAsync(down, "DE", Now, Now.AddHours(24), CancellationToken.None);
        Assert.Equal(321, withLast.At(Now.AddHours(5)));

        // A time series without the region: no forecast, and its fallback (the static default) for the whole window.
        var series = TimeSeriesCarbonIntensitySource.FromPoints([("FR", Now, 50.0)], new StaticCarbonIntensitySource(473), "synthetic");
        var fallback = await CarbonForecasts.GetAsync(series, "DE", Now, Now.AddHours(24), CancellationToken.None);
        Assert.Equal(473, fallback.At(Now.AddHours(5)));
        Assert.Equal(473, fallback.Mean(Now, Now.AddHours(24)));
    }

    [Fact]
    public async Task TimeSeries_IsItsOwnForecast_FromThePointInForce()
    {
        var series = TimeSeriesCarbonIntensitySource.FromPoints(
            [("DE", Now.AddHours(-1), 400.0), ("DE", Now.AddHours(2), 100.0), ("DE", Now.AddHours(30), 50.0)], new StaticCarbonIntensitySource(473), "synthetic");

        var forecast = await CarbonForecasts.GetAsync(series, "DE", Now, Now.AddHours(24), CancellationToken.None);

        Assert.Equal([400.0, 100.0], forecast.Points.Select(p => p.GramsPerKwh));
        Assert.Equal((400 * 2 + 100 * 2) / 4.0, forecast.Mean(Now, Now.AddHours(4)), 9);
    }

    private sealed class DownForecastSource(CarbonIntensity last) : ICarbonIntensitySource, ICarbonForecastSource
    {
        public ValueTask<CarbonIntensity> GetAsync(string region, DateTimeOffset at, CancellationToken cancellationToken) => ValueTask.FromResult(last);

        public ValueTask<CarbonForecast?> ForecastAsync(string region, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
            throw new HttpRequestException("the forecast API is down");
    }
}
