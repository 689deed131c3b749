using GreenGateway.Core.Batches;

namespace GreenGateway.Configuration;

/// <summary>
/// The <c>Batches</c> section: the Files and Batch APIs (docs/batches.md). Files, batches and results live in Redis when
/// <c>Redis.Url</c> is set (replicas share them), else under <see cref="Directory"/>.
/// </summary>
public sealed record BatchSettings
{
    /// <summary>Turns the Files and Batch APIs and the batch runner on. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Where a gateway without Redis keeps files and batches (relative: to the content root). Default <c>data/batches</c>.</summary>
    public string Directory { get; init; } = "data/batches";

    /// <summary>The largest file accepted, in bytes. Default 200 MB, OpenAI's limit for a batch input file
    /// (https://platform.openai.com/docs/guides/batch, "Rate limits": up to 50,000 requests, up to 200 MB).</summary>
    public long MaxFileBytes { get; init; } = 200_000_000;

    /// <summary>The most requests (lines) in one batch. Default 50,000, OpenAI's limit (same source).</summary>
    public int MaxLines { get; init; } = 50_000;

    /// <summary>The longest completion window a batch may ask for, in hours. OpenAI takes <c>24h</c> only; the gateway takes <c>1h</c> to this. Default 168.</summary>
    public int MaxCompletionWindowHours { get; init; } = 168;

    /// <summary>How often each replica looks for batches to run (and for a lease to take over), seconds. Default 2.</summary>
    public double PollSeconds { get; init; } = 2;

    /// <summary>How long a replica's lease on a batch lasts unless renewed (a third of it), seconds. Default 30.</summary>
    public double LeaseSeconds { get; init; } = 30;

    /// <summary>The most batches one replica runs at once. Default 8.</summary>
    public int MaxRunningPerReplica { get; init; } = 8;

    /// <summary>Minutes between plans of a running batch. Default 15.</summary>
    public double ReplanMinutes { get; init; } = 15;

    /// <summary>Length of a plan's slots, minutes. Default 60.</summary>
    public double SlotMinutes { get; init; } = 60;

    /// <summary>Time kept free before the deadline, minutes (at most a tenth of the window). Default 60.</summary>
    public double MarginMinutes { get; init; } = 60;

    /// <summary>The share of the tenant's batch rate a plan counts on. Default 0.8.</summary>
    public double RateUtilization { get; init; } = 0.8;

    /// <summary>The gateway's own address for batch requests (they run through its pipeline); default: the first address it listens on.</summary>
    public string? SelfUrl { get; init; }

    public BatchPlannerOptions ToPlannerOptions() => new()
    {
        SlotLength = TimeSpan.FromMinutes(SlotMinutes),
        Margin = TimeSpan.FromMinutes(MarginMinutes),
        RateUtilization = RateUtilization,
    };

    public BatchExecutorOptions ToExecutorOptions() => new()
    {
        PollInterval = TimeSpan.FromSeconds(Math.Min(PollSeconds, 1)),
        ReplanInterval = TimeSpan.FromMinutes(ReplanMinutes),
    };

    public void Validate(List<string> errors)
    {
        if (MaxFileBytes < 1 || MaxFileBytes > 2_000_000_000)
        {
            errors.Add("Batches.MaxFileBytes must be from 1 to 2000000000.");
        }

        if (MaxLines < 1)
        {
            errors.Add("Batches.MaxLines must be >= 1.");
        }

        if (MaxCompletionWindowHours < 1)
        {
            errors.Add("Batches.MaxCompletionWindowHours must be >= 1.");
        }

        if (!(PollSeconds > 0) || !(LeaseSeconds > 0))
        {
            errors.Add("Batches.PollSeconds and Batches.LeaseSeconds must be > 0.");
        }

        if (MaxRunningPerReplica < 1)
        {
            errors.Add("Batches.MaxRunningPerReplica must be >= 1.");
        }

        if (!(ReplanMinutes > 0) || !(SlotMinutes > 0) || !(MarginMinutes >= 0))
        {
            errors.Add("Batches.ReplanMinutes and Batches.SlotMinutes must be > 0, Batches.MarginMinutes >= 0.");
        }

        if (!(RateUtilization > 0) || RateUtilization > 1)
        {
            errors.Add("Batches.RateUtilization must be > 0 and at most 1.");
        }

        if (SelfUrl is { } self && !Uri.TryCreate(self, UriKind.Absolute, out _))
        {
            errors.Add("Batches.SelfUrl must be an absolute URL.");
        }
    }
}
