namespace GreenGateway.Core.Batches;

/// <summary>
/// Runs one request of a batch through the gateway's own pipeline (tenant, parse, admission, cascade, cache, budgets,
/// settlement) as a live request of the batch's tenant, in <paramref name="region"/> when not null. A
/// <paramref name="held"/> request runs on the batch's whole-batch hold (<see cref="BatchRecord.Hold"/>): it is admitted
/// without a reservation of its own, and what it cost is settled against the hold when the batch ends.
/// </summary>
public interface IBatchLineSender
{
    ValueTask<LineOutcome> SendAsync(BatchRecord batch, BatchLine line, string? region, bool held, CancellationToken cancellationToken);
}

/// <summary>
/// What one request got: its status and body as the client of a live request would, the request id, the figures the
/// gateway charged, and, for a refusal that passes (429: the budget is spent or held; 503), when to try again: such a
/// line is not answered, it waits.
/// </summary>
public sealed record LineOutcome(int Status, string Body, string RequestId, double EnergyJoules, double CarbonGrams, TimeSpan? RetryAfter = null);

/// <summary>Where a model is served: its own route's region, and every region with an upstream that serves it.</summary>
public interface IBatchRegions
{
    string HomeRegion(string model);

    /// <summary>The regions that serve <paramref name="model"/>, its home region first.</summary>
    IReadOnlyList<string> Regions(string model);
}

/// <summary>What the runner reports as lines and batches end (the host's metrics).</summary>
public interface IBatchObserver
{
    void BatchCreated(BatchRecord batch);

    void LineRecorded(BatchRecord batch, BatchLineResult result);

    void BatchEnded(BatchRecord batch);
}
