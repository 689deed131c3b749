using System.Globalization;
using System.Text.RegularExpressions;

namespace GreenGateway.Core.Rules;

/// <summary>
/// The current time and date in the tenant's time zone, and the weekday of an ISO date
/// ("what day of the week is 2026-12-25?"). Anything relative or vague ("next Tuesday"): decline.
/// </summary>
public sealed partial class DateTimeAnswerer : IRuleAnswerer
{
    public string Name => "datetime";

    public RuleAnswer? TryAnswer(RuleContext context)
    {
        var question = context.Question.Trim();
        var local = TimeZoneInfo.ConvertTime(context.Now, context.TimeZone);
        var zone = context.TimeZone.Id;
        if (TimeNow().IsMatch(question))
        {
            return new RuleAnswer($"It is {local.ToString("HH:mm", CultureInfo.InvariantCulture)} ({zone}).", Name);
        }

        if (DateToday().IsMatch(question))
        {
            return new RuleAnswer($"Today is {local.ToString("dddd, d MMMM yyyy", CultureInfo.InvariantCulture)} ({zone}).", Name);
        }

        var weekday = WeekdayOf().Match(question);
        if (weekday.Success && DateOnly.TryParseExact(weekday.Groups["date"].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return new RuleAnswer($"{date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} is a {date.DayOfWeek}.", Name);
        }

        return null;
    }

    [GeneratedRegex(@"^(?:what\s+time\s+is\s+it(?:\s+now)?|what(?:'s|\s+is)\s+the\s+(?:current\s+)?time(?:\s+now)?|current\s+time)\s*\??$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TimeNow();

    [GeneratedRegex(@"^(?:what(?:'s|\s+is)\s+(?:the\s+date\s+today|today'?s\s+date|the\s+date)|what\s+day\s+is\s+(?:it\s+)?today|what\s+day\s+is\s+it)\s*\??$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DateToday();

    [GeneratedRegex(@"^what\s+day(?:\s+of\s+the\s+week)?\s+(?:is|was|will\s+be)\s+(?<date>\d{4}-\d{2}-\d{2})\s*\??$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WeekdayOf();
}
