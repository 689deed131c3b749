using System.Globalization;
using GreenGateway.Core.Carbon;

namespace GreenGateway.Core.Batches;

/// <summary>What a batch's plan is made from.</summary>
/// <param name="Now">The time of planning.</param>
/// <param name="Deadline">When every request must be answered (the batch's <c>expires_at</c>).</param>
/// <param name="Requests">Requests still to run.</param>
/// <param name="RequestsPerSecond">The rate the tenant's policy allows batches (<c>batches.requests_per_second</c>).</param>
/// <param name="Forecasts">The forecast of each region that can serve the batch's model (at least one).</param>
public sealed record PlanInput(DateTimeOffset Now, DateTimeOffset Deadline, int Requests, double RequestsPerSecond, IReadOnlyList<CarbonForecast> Forecasts);

/// <summary>A stretch of time the batch runs in, in one region, at the forecast intensity, for up to <paramref name="Requests"/> requests.</summary>
public sealed record PlannedSlot(DateTimeOffset Start, DateTimeOffset End, string Region, double GramsPerKwh, int Requests)
{
    public bool Contains(DateTimeOffset at) => at >= Start && at < End;
}

/// <summary>
/// The plan: the slots chosen, in time order. <see cref="RunNow"/> when the batch cannot wait (the deadline leaves no
/// room to choose, or the forecast is flat); <see cref="Reason"/> says why, for the batch's metadata.
/// </summary>
public sealed record BatchPlan(IReadOnlyList<PlannedSlot> Slots, bool RunNow, string Reason)
{
    /// <summary>The request-weighted mean intensity of the plan (gCO2e/kWh).</summary>
    public double MeanGramsPerKwh
    {
        get
        {
            double sum = 0;
            long count = 0;
            foreach (var slot in Slots)
            {
                sum += slot.GramsPerKwh * slot.Requests;
                count += slot.Requests;
            }

            return count == 0 ? 0 : sum / count;
        }
    }

    /// <summary>The slot in force at <paramref name="at"/>, if the plan runs then.</summary>
    public PlannedSlot? SlotAt(DateTimeOffset at)
    {
        foreach (var slot in Slots)
        {
            if (slot.Contains(at))
            {
                return slot;
            }
        }

        return null;
    }

    /// <summary>When the plan next runs after <paramref name="at"/> (null: never again).</summary>
    public DateTimeOffset? NextStart(DateTimeOffset at)
    {
        DateTimeOffset? next = null;
        foreach (var slot in Slots)
        {
            if (slot.Start > at && (next is null || slot.Start < next))
            {
                next = slot.Start;
            }
        }

        return next;
    }
}

/// <summary>
/// Plans a batch into the cleanest time slots (and regions) that still finish before its deadline, as docs/batches.md
/// explains. Time from now to the deadline less a margin is cut at slot boundaries (hours, aligned to the clock, the
/// first one partial); each slot holds as many requests as the tenant's batch rate allows in it; each slot takes the
/// cleanest region's mean forecast intensity over it. Slots are taken cleanest first (ties: earliest) until they hold
/// every request left. When all of them together cannot, the deadline leaves no room to choose and the batch runs now.
/// The planner is a pure function of its input: the runner plans again as it goes, with fresh forecasts and the
/// requests still left, so that a restart, a forecast that changed or a slow upstream is absorbed by the next plan.
/// </summary>
public sealed class BatchPlanner(BatchPlannerOptions options)
{
    public BatchPlannerOptions Options { get; } = options;

    public BatchPlan Plan(PlanInput input)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(input.Forecasts.Count, 1, nameof(input));
        var rate = Math.Max(input.RequestsPerSecond * Options.RateUtilization, 1e-6);
        var window = input.Deadline - input.Now;
        var margin = TimeSpan.FromTicks(Math.Min(Options.Margin.Ticks, (long)(window.Ticks * Options.MaxMarginFraction)));
        var horizon = input.Deadline - margin;
        if (input.Requests <= 0)
        {
            return new BatchPlan([], RunNow: true, "nothing left to run");
        }

        var slots = Slots(input, horizon, rate);
        long capacity = 0;
        foreach (var slot in slots)
        {
            capacity += slot.Requests;
        }

        if (capacity < input.Requests)
        {
            // The deadline leaves no room to choose: every slot to the deadline itself, from now, in the cleanest region.
            var now = Slots(input, input.Deadline, rate);
            return new BatchPlan(now, RunNow: true,
                string.Create(CultureInfo.InvariantCulture, $"runs now: {input.Requests} requests at {Options.RateUtilization:P0} of {input.RequestsPerSecond:0.###}/s need {input.Requests / rate / 3600:0.#} h, and {(horizon - input.Now).TotalHours:0.#} h are left before the deadline's margin"));
        }

        var byIntensity = slots.OrderBy(s => s.GramsPerKwh).ThenBy(s => s.Start).ToList();
        var chosen = new List<PlannedSlot>();
        var left = input.Requests;
        foreach (var slot in byIntensity)
        {
            if (left <= 0)
            {
                break;
            }

            var take = Math.Min(left, slot.Requests);
            chosen.Add(slot with { Requests = take });
            left -= take;
        }

        chosen.Sort((a, b) => a.Start.CompareTo(b.Start));
        var runsNow = chosen[0].Start <= input.Now;
        var flat = byIntensity[0].GramsPerKwh >= byIntensity[^1].GramsPerKwh;
        var reason = flat
            ? "runs now: the forecast is flat to the deadline"
            : string.Create(CultureInfo.InvariantCulture, $"the cleanest {chosen.Count} of {slots.Count} slots before the deadline, mean {new BatchPlan(chosen, false, "").MeanGramsPerKwh:0.#} gCO2e/kWh against {slots[0].GramsPerKwh:0.#} now");
        return new BatchPlan(chosen, RunNow: runsNow && flat, reason);
    }

    /// <summary>The slots from now to <paramref name="end"/>, each in its cleanest region, with the requests the rate fits in it.</summary>
    private List<PlannedSlot> Slots(PlanInput input, DateTimeOffset end, double rate)
    {
        var slots = new List<PlannedSlot>();
        var length = Options.SlotLength;
        var start = input.Now;
        while (start < end)
        {
            // Aligned to the clock: the first slot ends at the next boundary.
            var boundary = new DateTimeOffset((start.UtcTicks / length.Ticks + 1) * length.Ticks, TimeSpan.Zero);
            var stop = boundary < end ? boundary : end;
            var best = input.Forecasts[0];
            var bestValue = best.Mean(start, stop);
            for (var i = 1; i < input.Forecasts.Count; i++)
            {
                var value = input.Forecasts[i].Mean(start, stop);
                if (value < bestValue)
                {
                    (best, bestValue) = (input.Forecasts[i], value);
                }
            }

            var fits = (int)Math.Min(int.MaxValue, Math.Floor((stop - start).TotalSeconds * rate));
            if (fits > 0)
            {
                // Compared at a millionth of a g/kWh (no source is that precise): a time-weighted mean of a constant over
                // a slot of fractional seconds is not always bit-equal to it, and that last bit must not make a later
                // slot "cleaner" than the one in force (a flat forecast would then wait instead of running now).
                slots.Add(new PlannedSlot(start, stop, best.Region, Math.Round(bestValue, 6), fits));
            }

            start = stop;
        }

        return slots;
    }
}

/// <summary>How plans are made (the <c>Batches</c> section of appsettings.json sets them).</summary>
public sealed record BatchPlannerOptions
{
    /// <summary>The length of a slot, aligned to the clock. Default one hour (grid intensity is published hourly).</summary>
    public TimeSpan SlotLength { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Time kept free before the deadline, for retries and a slow upstream. Default one hour.</summary>
    public TimeSpan Margin { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The margin is at most this share of the window. Default 0.1.</summary>
    public double MaxMarginFraction { get; init; } = 0.1;

    /// <summary>The share of the policy's rate a plan counts on (the rest absorbs latency and retries). Default 0.8.</summary>
    public double RateUtilization { get; init; } = 0.8;
}
