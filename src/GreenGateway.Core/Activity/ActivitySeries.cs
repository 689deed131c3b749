namespace GreenGateway.Core.Activity;

/// <summary>
/// The resolutions the gateway keeps its activity at: one bucket per minute (kept two hours, for the last hour), per hour
/// (kept three days, for the last day) and per day (kept 40 days, for the last month).
/// </summary>
public enum ActivityResolution
{
    Minute,
    Hour,
    Day,
}

/// <summary>The rolling windows the dashboard and the admin API show, each read at one resolution.</summary>
public enum ActivityWindow
{
    /// <summary>The last 60 minutes, per minute.</summary>
    Hour,

    /// <summary>The last 24 hours, per hour.</summary>
    Day,

    /// <summary>The last 30 days, per day.</summary>
    Month,
}

/// <summary>What one count measures. The names are the admin API's (docs/api.md).</summary>
public static class ActivityMetrics
{
    /// <summary>Answers delivered (status 2xx).</summary>
    public const string Requests = "requests";

    /// <summary>Requests that failed in the gateway or upstream (status 5xx): the health of a model's upstream.</summary>
    public const string Errors = "errors";

    /// <summary>Facility joules charged (what the budget ledger settled).</summary>
    public const string Joules = "joules";

    /// <summary>gCO2e charged.</summary>
    public const string Grams = "grams";

    /// <summary>Joules the large model alone would have spent on the same answers.</summary>
    public const string BaselineJoules = "baseline_joules";

    /// <summary>Answers whose baseline was observed (fitted from the large model's own measured answers), not modelled.</summary>
    public const string BaselineObserved = "baseline_observed";

    public const string PromptTokens = "prompt_tokens";

    public const string CompletionTokens = "completion_tokens";

    /// <summary>Seconds spent answering (for tokens per second).</summary>
    public const string Seconds = "seconds";

    /// <summary>Requests refused by a spent budget (429).</summary>
    public const string Refused = "refused";

    /// <summary>Requests a spent budget downgraded (to the tiers below the large model, or a cheaper model).</summary>
    public const string Downgraded = "downgraded";

    /// <summary>Answers a client marked not useful (POST /v1/feedback), counted at the answer's time.</summary>
    public const string NotUseful = "not_useful";

    /// <summary>Answers a client marked useful.</summary>
    public const string MarkedUseful = "marked_useful";

    /// <summary>Draft tokens proposed to the large model (speculative answers).</summary>
    public const string SpecProposed = "spec_proposed";

    /// <summary>Draft tokens the large model accepted.</summary>
    public const string SpecAccepted = "spec_accepted";

    /// <summary>Verification calls to the large model.</summary>
    public const string SpecVerifyCalls = "spec_verify_calls";
}

/// <summary>One figure of one tenant, model and tier. Tier <c>-</c> holds what no tier did (refusals).</summary>
public readonly record struct ActivityCount(string Tenant, string Model, string Tier, string Metric, double Value)
{
    /// <summary>The field a store keeps it under: its four names, tab-separated (tenant ids hold no white space).</summary>
    public string Field => string.Concat(Tenant, "\t", Model, "\t", Tier, "\t", Metric);

    /// <summary>Reads a <see cref="Field"/> back; false for a field of another shape.</summary>
    public static bool TryParse(string field, double value, out ActivityCount count)
    {
        var parts = field.Split('\t');
        count = parts.Length == 4 ? new ActivityCount(parts[0], parts[1], parts[2], parts[3], value) : default;
        return parts.Length == 4;
    }
}

/// <summary>The counts of one bucket, starting at <paramref name="Start"/>.</summary>
public sealed record ActivityBucket(DateTimeOffset Start, IReadOnlyList<ActivityCount> Counts);

/// <summary>Time series of the gateway's activity: sums per bucket, per tenant, model, tier and metric.</summary>
public interface IActivityStore
{
    /// <summary>Adds <paramref name="counts"/> to the buckets holding <paramref name="at"/> at every resolution.</summary>
    ValueTask AddAsync(DateTimeOffset at, IReadOnlyList<ActivityCount> counts, CancellationToken cancellationToken);

    /// <summary>The buckets of <paramref name="resolution"/> starting in [<paramref name="from"/>, <paramref name="to"/>], oldest first; empty ones left out.</summary>
    ValueTask<IReadOnlyList<ActivityBucket>> ReadAsync(ActivityResolution resolution, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}

/// <summary>Bucket arithmetic shared by the stores.</summary>
public static class ActivityBuckets
{
    public static TimeSpan Length(ActivityResolution resolution) => resolution switch
    {
        ActivityResolution.Minute => TimeSpan.FromMinutes(1),
        ActivityResolution.Hour => TimeSpan.FromHours(1),
        _ => TimeSpan.FromDays(1),
    };

    /// <summary>How long a bucket is kept after it starts: a little more than the window read at its resolution.</summary>
    public static TimeSpan Retention(ActivityResolution resolution) => resolution switch
    {
        ActivityResolution.Minute => TimeSpan.FromHours(2),
        ActivityResolution.Hour => TimeSpan.FromDays(3),
        _ => TimeSpan.FromDays(40),
    };

    public static DateTimeOffset Start(ActivityResolution resolution, DateTimeOffset at)
    {
        var ticks = Length(resolution).Ticks;
        var utc = at.UtcTicks;
        return new DateTimeOffset(utc - (utc % ticks), TimeSpan.Zero);
    }

    /// <summary>The resolution a window is read at, and how many buckets (the current one included) it spans.</summary>
    public static (ActivityResolution Resolution, int Buckets) Of(ActivityWindow window) => window switch
    {
        ActivityWindow.Hour => (ActivityResolution.Minute, 60),
        ActivityWindow.Day => (ActivityResolution.Hour, 24),
        _ => (ActivityResolution.Day, 30),
    };

    /// <summary>The first and last bucket starts of <paramref name="window"/> ending now.</summary>
    public static (DateTimeOffset From, DateTimeOffset To) Range(ActivityWindow window, DateTimeOffset now)
    {
        var (resolution, buckets) = Of(window);
        var last = Start(resolution, now);
        return (last - (Length(resolution) * (buckets - 1)), last);
    }

    public static bool TryParseWindow(string? text, out ActivityWindow window)
    {
        switch (text?.ToLowerInvariant())
        {
            case null or "" or "hour": window = ActivityWindow.Hour; return true;
            case "day": window = ActivityWindow.Day; return true;
            case "month": window = ActivityWindow.Month; return true;
            default: window = ActivityWindow.Hour; return false;
        }
    }
}
