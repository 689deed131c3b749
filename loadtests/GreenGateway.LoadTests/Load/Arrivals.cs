using GreenGateway.LoadTests.Scenarios;

namespace GreenGateway.LoadTests.Load;

/// <summary>
/// When each request is due: the arrival times of a shape's rate r(t), the i-th request due when
/// the integral of r reaches i. Deterministic (no Poisson jitter), so that two runs send the same
/// schedule and differ only by the server.
/// </summary>
internal static class Arrivals
{
    /// <summary>No schedule may hold more requests than this, whatever a scenario asks.</summary>
    public const int MaxRequests = 2_000_000;

    public static double RateAt(LoadShape shape, double t) => shape.Shape switch
    {
        ShapeKind.Constant => shape.Rate,
        ShapeKind.Ramp => shape.Rate + ((shape.To - shape.Rate) * Math.Clamp(t / shape.DurationSeconds, 0, 1)),
        ShapeKind.Step => shape.Steps.Count == 0 ? shape.Rate : shape.Steps[Math.Min((int)(t / shape.StepSeconds), shape.Steps.Count - 1)],
        ShapeKind.Spike => t >= shape.SpikeAtSeconds && t < shape.SpikeAtSeconds + shape.SpikeSeconds ? shape.SpikeRate : shape.Rate,
        _ => throw new ArgumentOutOfRangeException(nameof(shape)),
    };

    /// <summary>Due times in seconds from the start, for <paramref name="seconds"/> of the shape.</summary>
    public static double[] Schedule(LoadShape shape, double seconds)
    {
        var due = new List<double>();
        const double dt = 0.0005;
        var steps = (long)Math.Round(seconds / dt);
        var integral = 0.0;
        for (var k = 0L; k < steps && due.Count < MaxRequests; k++)
        {
            // Time from the step count, not a running sum, and a small tolerance on the integral, so that
            // rounding never adds a request past the end.
            var t = k * dt;
            var before = integral;
            integral += RateAt(shape, t) * dt;
            for (var n = Math.Ceiling(before - 1e-9); n < integral - 1e-9 && due.Count < MaxRequests; n++)
            {
                // Linear within the step: exact for a constant rate.
                due.Add(t + (Math.Max(0, n - before) / (integral - before) * dt));
            }
        }

        return [.. due];
    }

    /// <summary>The warm-up's schedule: the shape's starting rate, held.</summary>
    public static double[] Warmup(LoadShape shape) =>
        shape.WarmupSeconds <= 0 ? [] : Schedule(new LoadShape { Rate = RateAt(shape, 0) }, shape.WarmupSeconds);
}
