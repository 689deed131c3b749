namespace GreenGateway.Core.Budgets;

/// <summary>
/// Where tenants' consumption is kept. Admission reserves an estimate in every window; completion
/// settles the actual figure against that reservation (releasing what was not used). The embedded
/// implementation is <see cref="InMemoryBudgetLedger"/>; the Redis one shares the state across replicas.
/// </summary>
/// <remarks>
/// The admission rule, which every implementation must follow so that replicas agree: a request is
/// admitted when, in every limited window, consumed + reserved is still below the limit; it then
/// reserves its estimate in all four windows. So the total admitted never exceeds a limit by more than
/// the largest single reservation in flight.
/// </remarks>
public interface IBudgetLedger
{
    /// <summary>
    /// Checks the limits and, when none is spent, reserves <see cref="ReserveRequest.Estimate"/> atomically. Idempotent by
    /// <see cref="ReserveRequest.RequestId"/> while its reservation is open: a retried reserve is admitted and reserves nothing more.
    /// </summary>
    ValueTask<ReserveOutcome> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the reservation with <paramref name="actual"/> in the windows it was made in.
    /// Idempotent by <see cref="Reservation.RequestId"/>: a second settle of the same reservation changes nothing.
    /// </summary>
    ValueTask SettleAsync(Reservation reservation, EnergyCarbon actual, CancellationToken cancellationToken);

    /// <summary>The tenant's consumption and outstanding reservations in each window containing <paramref name="now"/>.</summary>
    ValueTask<IReadOnlyList<WindowUsage>> GetUsageAsync(string tenantId, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <param name="TenantId">The tenant charged.</param>
/// <param name="RequestId">Unique per request; makes settling idempotent.</param>
/// <param name="Estimate">What the request is expected to cost; reserved in every window.</param>
/// <param name="Limits">The tenant's limits; windows without one are tracked but never refuse.</param>
/// <param name="Now">The admission time, which fixes the windows charged.</param>
public sealed record ReserveRequest(string TenantId, string RequestId, EnergyCarbon Estimate, IReadOnlyList<BudgetLimit> Limits, DateTimeOffset Now);

/// <summary>A reservation held by an admitted request, to be settled exactly once.</summary>
public sealed record Reservation(string TenantId, string RequestId, EnergyCarbon Amount, DateTimeOffset ReservedAt);

/// <summary>
/// The answer to a reservation: admitted with a <see cref="Reservation"/>, or refused until <see cref="RetryAt"/>.
/// When several windows are spent, <see cref="SpentWindow"/> is the one that resets last, so that a retry at
/// <see cref="RetryAt"/> is not refused again by a longer window.
/// </summary>
public sealed record ReserveOutcome(Reservation? Reservation, BudgetWindow? SpentWindow, DateTimeOffset? RetryAt)
{
    public bool Admitted => Reservation is not null;

    public static ReserveOutcome Admit(Reservation reservation) => new(reservation, null, null);

    public static ReserveOutcome Refuse(WindowSpan spent) => new(null, spent.Window, spent.End);
}

/// <summary>One window's figures for a tenant.</summary>
public sealed record WindowUsage(WindowSpan Span, EnergyCarbon Consumed, EnergyCarbon Reserved);
