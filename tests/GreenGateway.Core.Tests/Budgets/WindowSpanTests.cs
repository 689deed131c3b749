namespace GreenGateway.Core.Budgets.Tests;

public sealed class WindowSpanTests
{
    public static TheoryData<BudgetWindow, string, string, string> Boundaries => new()
    {
        { BudgetWindow.Minute, "2026-11-21T10:37:42.5Z", "2026-11-21T10:37:00Z", "2026-11-21T10:38:00Z" },
        { BudgetWindow.Hour, "2026-11-21T10:37:42.5Z", "2026-11-21T10:00:00Z", "2026-11-21T11:00:00Z" },
        { BudgetWindow.Day, "2026-11-21T10:37:42.5Z", "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z" },
        { BudgetWindow.Month, "2026-11-21T10:37:42.5Z", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z" },

        // Exactly on a boundary: the new window.
        { BudgetWindow.Hour, "2026-11-21T11:00:00Z", "2026-11-21T11:00:00Z", "2026-11-21T12:00:00Z" },
        { BudgetWindow.Minute, "2026-11-21T10:37:59.9999999Z", "2026-11-21T10:37:00Z", "2026-11-21T10:38:00Z" },

        // Month ends: 30 days, February in a common and a leap year.
        { BudgetWindow.Month, "2026-11-30T23:59:59Z", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z" },
        { BudgetWindow.Month, "2026-02-28T23:59:59Z", "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z" },
        { BudgetWindow.Month, "2028-02-29T12:00:00Z", "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z" },
        { BudgetWindow.Day, "2028-02-29T12:00:00Z", "2028-02-29T00:00:00Z", "2028-03-01T00:00:00Z" },

        // December runs into January of the next year.
        { BudgetWindow.Month, "2026-12-31T23:59:59Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z" },
        { BudgetWindow.Day, "2026-12-31T23:59:59Z", "2026-12-31T00:00:00Z", "2027-01-01T00:00:00Z" },
        { BudgetWindow.Hour, "2026-12-31T23:59:59Z", "2026-12-31T23:00:00Z", "2027-01-01T00:00:00Z" },
        { BudgetWindow.Minute, "2026-12-31T23:59:59Z", "2026-12-31T23:59:00Z", "2027-01-01T00:00:00Z" },

        // Local times are converted to UTC first: 01:30+02:00 on 1 December is 23:30Z on 30 November.
        { BudgetWindow.Day, "2026-12-01T01:30:00+02:00", "2026-11-30T00:00:00Z", "2026-12-01T00:00:00Z" },
        { BudgetWindow.Month, "2026-12-01T01:30:00+02:00", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z" },
        { BudgetWindow.Hour, "2026-11-21T10:15:00-05:30", "2026-11-21T15:00:00Z", "2026-11-21T16:00:00Z" },
        { BudgetWindow.Minute, "2026-11-21T10:15:30+05:45", "2026-11-21T04:30:00Z", "2026-11-21T04:31:00Z" },
    };

    [Theory]
    [MemberData(nameof(Boundaries))]
    public void Containing_ReturnsTheUtcWindowAroundTheInstant(BudgetWindow window, string now, string start, string end)
    {
        var span = WindowSpan.Containing(window, DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(window, span.Window);
        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), span.Start);
        Assert.Equal(DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture), span.End);
        Assert.Equal(TimeSpan.Zero, span.Start.Offset);
        Assert.Equal(TimeSpan.Zero, span.End.Offset);
    }

    [Theory]
    [InlineData(BudgetWindow.Minute, "minute:202611211037")]
    [InlineData(BudgetWindow.Hour, "hour:2026112110")]
    [InlineData(BudgetWindow.Day, "day:20261121")]
    [InlineData(BudgetWindow.Month, "month:202611")]
    public void Id_NamesTheWindowKindAndItsUtcStart(BudgetWindow window, string expected)
    {
        var span = WindowSpan.Containing(window, new DateTimeOffset(2026, 11, 21, 10, 37, 42, TimeSpan.Zero));

        Assert.Equal(expected, span.Id);
    }

    [Fact]
    public void Id_OfLocalTime_UsesTheUtcDay()
    {
        var span = WindowSpan.Containing(BudgetWindow.Day, new DateTimeOffset(2026, 12, 1, 1, 30, 0, TimeSpan.FromHours(2)));

        Assert.Equal("day:20261130", span.Id);
    }

    [Fact]
    public void All_ListsTheFourWindowsShortestFirst()
    {
        Assert.Equal([BudgetWindow.Minute, BudgetWindow.Hour, BudgetWindow.Day, BudgetWindow.Month], WindowSpan.All);
    }
}
