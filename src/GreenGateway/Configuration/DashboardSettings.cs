namespace GreenGateway.Configuration;

/// <summary>The <c>Dashboard</c> section: the operator's page (<c>/dashboard</c>), its admin API and answers' feedback.</summary>
public sealed record DashboardSettings
{
    /// <summary>Whether <c>/dashboard</c> and <c>/admin/v1</c> are served. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Seconds between the page's refreshes. Default 5.</summary>
    public int RefreshSeconds { get; init; } = 5;

    /// <summary>Hours an answer can be judged through <c>POST /v1/feedback</c> (and its verdict is kept). Default 168 (a week).</summary>
    public double FeedbackTtlHours { get; init; } = 168;

    /// <summary>The most answers a gateway without Redis remembers for feedback; the oldest go first. Default 10000.</summary>
    public int MaxAnswersInMemory { get; init; } = 10_000;

    public TimeSpan FeedbackTtl => TimeSpan.FromHours(FeedbackTtlHours);

    public void Validate(List<string> errors)
    {
        if (RefreshSeconds is < 1 or > 3600)
        {
            errors.Add("Dashboard.RefreshSeconds must be between 1 and 3600.");
        }

        if (!(FeedbackTtlHours > 0) || FeedbackTtlHours > 24 * 365)
        {
            errors.Add("Dashboard.FeedbackTtlHours must be > 0 and at most a year.");
        }

        if (MaxAnswersInMemory < 1)
        {
            errors.Add("Dashboard.MaxAnswersInMemory must be >= 1.");
        }
    }
}
