using System.Text.Json.Serialization;

namespace GreenGateway.Core.Batches;

/// <summary>An uploaded file (OpenAI's file object), owned by the tenant that uploaded it or whose batch wrote it.</summary>
public sealed record StoredFile
{
    public required string Id { get; init; }

    public required string TenantId { get; init; }

    public required string Filename { get; init; }

    /// <summary><c>batch</c> (uploaded), <c>batch_output</c> (a batch's output or error file).</summary>
    public required string Purpose { get; init; }

    public required long Bytes { get; init; }

    /// <summary>Unix seconds.</summary>
    public required long CreatedAt { get; init; }

    /// <summary>Unix seconds after which the file is gone (404, then removed); null: kept until deleted.</summary>
    public long? ExpiresAt { get; init; }

    public bool IsExpired(long now) => ExpiresAt is { } at && now >= at;
}

/// <summary>
/// A batch as the store keeps it: OpenAI's batch object plus what the gateway needs to run and account it. After its
/// creation only the replica that holds its lease writes it; a cancellation is a separate flag (<see cref="IBatchStore.RequestCancelAsync"/>).
/// </summary>
public sealed record BatchRecord
{
    public required string Id { get; init; }

    public required string TenantId { get; init; }

    /// <summary><c>/v1/chat/completions</c>, <c>/v1/completions</c> or <c>/v1/embeddings</c>.</summary>
    public required string Endpoint { get; init; }

    public required string InputFileId { get; init; }

    public required string CompletionWindow { get; init; }

    /// <summary>validating, in_progress, finalizing, completed, failed, expired, cancelling, cancelled.</summary>
    public required string Status { get; init; }

    public required long CreatedAt { get; init; }

    public required long ExpiresAt { get; init; }

    public long? InProgressAt { get; init; }

    public long? FinalizingAt { get; init; }

    public long? CompletedAt { get; init; }

    public long? FailedAt { get; init; }

    public long? ExpiredAt { get; init; }

    public long? CancellingAt { get; init; }

    public long? CancelledAt { get; init; }

    public string? OutputFileId { get; init; }

    public string? ErrorFileId { get; init; }

    /// <summary>Lines in the input file.</summary>
    public int Total { get; init; }

    public int Completed { get; init; }

    public int Failed { get; init; }

    /// <summary>The client's metadata (at most 16 pairs), as given.</summary>
    public Dictionary<string, string> Metadata { get; init; } = [];

    /// <summary>Why the batch failed as a whole (an input file that is not JSONL, or too long).</summary>
    public List<BatchError> Errors { get; init; } = [];

    /// <summary>
    /// Grid intensity at submission (gCO2e/kWh) in each region the batch's models are served from: what running it at
    /// once, where its models live, would have cost per kWh (the counterfactual).
    /// </summary>
    public Dictionary<string, double> SubmissionIntensity { get; init; } = [];

    /// <summary>Energy of the answered requests (J, facility).</summary>
    public double EnergyJoules { get; init; }

    /// <summary>Emissions of the answered requests (gCO2e), as charged.</summary>
    public double CarbonGrams { get; init; }

    /// <summary>The same requests' emissions had they run at submission in <see cref="Region"/>.</summary>
    public double CounterfactualGrams { get; init; }

    /// <summary>The latest plan, in words (for the metadata and /v1/usage).</summary>
    public string? Plan { get; init; }

    /// <summary>The mean forecast intensity of the latest plan (gCO2e/kWh).</summary>
    public double? PlannedGramsPerKwh { get; init; }

    /// <summary>The client's <c>output_expires_after.seconds</c>: the output and error files expire that long after they are written.</summary>
    public long? OutputExpiresAfterSeconds { get; init; }

    /// <summary>The budget held for the whole batch at creation (<c>batches.budget: reserve_whole</c>); null when none.</summary>
    public BatchHold? Hold { get; init; }

    /// <summary>Energy of the requests that ran on <see cref="Hold"/> (J): settled against it when the batch ends.</summary>
    public double HeldJoules { get; init; }

    /// <summary>Emissions of the requests that ran on <see cref="Hold"/> (gCO2e).</summary>
    public double HeldGrams { get; init; }

    /// <summary>The endpoint, known to be one the batch API takes (checked at creation).</summary>
    public string EndpointOrDefault() => BatchLines.KindOf(Endpoint) is null ? BatchLines.Endpoints[0] : Endpoint;

    public bool IsTerminal => Status is "completed" or "failed" or "expired" or "cancelled";
}

/// <summary>
/// The reservation a <c>reserve_whole</c> batch holds in its tenant's budget: made at creation under
/// <paramref name="RequestId"/> for the estimate of all its requests, settled once (idempotent by that id) at what the
/// requests that ran on it cost, when the batch ends however it ends.
/// </summary>
public sealed record BatchHold(string RequestId, double Joules, double Grams, DateTimeOffset ReservedAt)
{
    /// <summary>The ledger's reservation this hold is (the same id, amount and time it was made with).</summary>
    public Budgets.Reservation AsReservation(string tenantId) => new(tenantId, RequestId, new Budgets.EnergyCarbon(Joules, Grams), ReservedAt);

    /// <summary>Whether the requests that ran on the hold have used it up (either quantity): later ones are admitted on their own.</summary>
    public bool UsedUpBy(double joules, double grams) => joules >= Joules || grams >= Grams;
}

/// <summary>One of a batch's errors as a whole (OpenAI's <c>errors.data[]</c>).</summary>
public sealed record BatchError(string Code, string Message, int? Line = null);

/// <summary>
/// One request's result: its line in the output file (<paramref name="Ok"/>) or the error file, and its figures. Stored
/// once per line index: a second write of the same line (a replica that took over, a restart) is refused by the store.
/// </summary>
/// <param name="Held">The request ran on the batch's <see cref="BatchRecord.Hold"/>, not on a reservation of its own.</param>
public sealed record BatchLineResult(int Index, string CustomId, bool Ok, string Line, double EnergyJoules, double CarbonGrams, double CounterfactualGrams, bool Held = false);

[JsonSerializable(typeof(StoredFile))]
[JsonSerializable(typeof(BatchRecord))]
[JsonSerializable(typeof(BatchLineResult))]
[JsonSerializable(typeof(BatchHold))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
public sealed partial class BatchJson : JsonSerializerContext;
