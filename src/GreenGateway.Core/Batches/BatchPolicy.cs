namespace GreenGateway.Core.Batches;

/// <summary>
/// A tenant's <c>batches:</c> policy: the upstream capacity its batches may use (live requests have no such bound, so
/// they come first), and whether their work waits for clean hours.
/// </summary>
public sealed record BatchPolicy
{
    public static readonly BatchPolicy Default = new();

    /// <summary>Requests of the tenant's batches in flight at once. Default 2.</summary>
    public int Concurrency { get; init; } = 2;

    /// <summary>Requests per second the tenant's batches may start. Default 5.</summary>
    public double RequestsPerSecond { get; init; } = 5;

    /// <summary>Whether the work waits for the cleanest hours (and regions) before the deadline; off runs it at once. Default true.</summary>
    public bool CarbonAware { get; init; } = true;

    /// <summary>
    /// How a batch meets the tenant's energy/carbon budgets. <see cref="BatchBudgetMode.Throttle"/> (the default): each
    /// request is admitted on its own, and a spent budget makes the batch wait. <see cref="BatchBudgetMode.ReserveWhole"/>:
    /// creating the batch reserves the estimate of all its requests, or is refused (429) when it does not fit.
    /// </summary>
    public BatchBudgetMode Budget { get; init; } = BatchBudgetMode.Throttle;
}

/// <summary>A tenant's <c>batches.budget</c> (docs/batches.md, "Budgets").</summary>
public enum BatchBudgetMode
{
    /// <summary>Each request admitted on its own; refusals make the batch wait (<c>throttle</c>).</summary>
    Throttle,

    /// <summary>The whole batch reserved at creation; its requests settle against that hold (<c>reserve_whole</c>).</summary>
    ReserveWhole,
}
