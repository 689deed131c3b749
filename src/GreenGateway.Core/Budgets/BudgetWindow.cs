namespace GreenGateway.Core.Budgets;

/// <summary>A fixed, UTC-aligned accounting window. Every tenant's consumption is tracked in all four.</summary>
public enum BudgetWindow
{
    Minute,
    Hour,
    Day,
    Month,
}

/// <summary>One concrete window: its kind and its [Start, End) interval in UTC.</summary>
public readonly record struct WindowSpan(BudgetWindow Window, DateTimeOffset Start, DateTimeOffset End)
{
    /// <summary>The window of the given kind that contains <paramref name="now"/>.</summary>
    public static WindowSpan Containing(BudgetWindow window, DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        var start = window switch
        {
            BudgetWindow.Minute => new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, TimeSpan.Zero),
            BudgetWindow.Hour => new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero),
            BudgetWindow.Day => new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero),
            BudgetWindow.Month => new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero),
            _ => throw new ArgumentOutOfRangeException(nameof(window), window, "unknown budget window"),
        };
        var end = window switch
        {
            BudgetWindow.Minute => start.AddMinutes(1),
            BudgetWindow.Hour => start.AddHours(1),
            BudgetWindow.Day => start.AddDays(1),
            _ => start.AddMonths(1),
        };
        return new WindowSpan(window, start, end);
    }

    /// <summary>A stable, sortable id of this window (for example <c>day:20261121</c>), used in ledger keys.</summary>
    public string Id => Window switch
    {
        BudgetWindow.Minute => $"minute:{Start:yyyyMMddHHmm}",
        BudgetWindow.Hour => $"hour:{Start:yyyyMMddHH}",
        BudgetWindow.Day => $"day:{Start:yyyyMMdd}",
        _ => $"month:{Start:yyyyMM}",
    };

    public static IReadOnlyList<BudgetWindow> All { get; } = [BudgetWindow.Minute, BudgetWindow.Hour, BudgetWindow.Day, BudgetWindow.Month];
}
