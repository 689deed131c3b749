using System.Globalization;

namespace GreenGateway.Cli.Workloads;

/// <summary>
/// Questions tier 0 can answer (arithmetic, unit conversions, the weekday of a date, greetings), each with its
/// answer computed here, exactly, independently of the rule engine, so that the workload checks the rules too.
/// </summary>
internal static class RuleQuestions
{
    // (from, to, exact factor, from's name, to's name): definitions from NIST SP 811 Appendix B and IEC 80000-13,
    // chosen so that every result terminates within the six significant digits the rules print exactly.
    private static readonly (string From, string To, decimal Factor, string FromName, string ToName)[] Conversions =
    [
        ("km", "m", 1000m, "kilometers", "meters"),
        ("m", "cm", 100m, "meters", "centimeters"),
        ("kg", "g", 1000m, "kilograms", "grams"),
        ("mi", "ft", 5280m, "miles", "feet"),
        ("ft", "in", 12m, "feet", "inches"),
        ("in", "cm", 2.54m, "inches", "centimeters"),
        ("h", "min", 60m, "hours", "minutes"),
        ("days", "h", 24m, "days", "hours"),
        ("GiB", "MiB", 1024m, "gibibytes", "mebibytes"),
        ("kWh", "kJ", 3600m, "kilowatt hours", "kilojoules"),
        ("lb", "oz", 16m, "pounds", "ounces"),
        ("L", "mL", 1000m, "liters", "milliliters"),
    ];

    private static readonly string[] Greetings = ["Hello", "Hi there!", "Thanks!", "Thank you very much", "Good morning", "hey", "Many thanks."];

    public static (string Question, string? Answer) Arithmetic(Random random)
    {
        int a = random.Next(2, 100), b = random.Next(2, 100), c = random.Next(2, 13);
        switch (random.Next(7))
        {
            case 0:
                return ($"What is {a} * {b}?", Format((decimal)a * b));
            case 1:
                return ($"Calculate {a} + {b} * {c}", Format(a + ((decimal)b * c)));
            case 2:
                return ($"What is ({a} + {b}) * {c}?", Format((decimal)(a + b) * c));
            case 3:
                int[] percents = [5, 10, 15, 20, 25, 50, 75];
                var p = percents[random.Next(percents.Length)];
                var of = random.Next(20, 401);
                return ($"What is {p}% of {of}?", Format(p * (decimal)of / 100m));
            case 4:
                return ($"What is {b * c} / {c}?", Format(b));
            case 5:
                return ($"compute {a} - {b}", Format((decimal)a - b));
            default:
                decimal x = a + (random.Next(1, 10) / 10m), y = b + (random.Next(1, 10) / 10m);
                return ($"What is {Format(x)} + {Format(y)}?", Format(x + y));
        }
    }

    public static (string Question, string? Answer) Units(Random random)
    {
        var (from, to, factor, fromName, toName) = Conversions[random.Next(Conversions.Length)];
        var n = random.Next(1, 100);
        var result = Format(n * factor);
        return random.Next(3) switch
        {
            0 => ($"convert {n} {from} to {to}", result),
            1 => ($"How many {toName} are in {n} {fromName}?", result),
            _ => ($"What is {n} {fromName} in {toName}?", result),
        };
    }

    public static (string Question, string? Answer) Weekday(Random random)
    {
        var date = new DateOnly(1990, 1, 1).AddDays(random.Next(365 * 46));
        var iso = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var question = random.Next(2) == 0 ? $"What day of the week is {iso}?" : $"What day is {iso}?";
        return (question, date.DayOfWeek.ToString());
    }

    /// <summary>A greeting has no single right answer: its reference is null, and any answer counts.</summary>
    public static (string Question, string? Answer) Greeting(Random random) => (Greetings[random.Next(Greetings.Length)], null);

    /// <summary>Invariant culture, no trailing zeros: "7", "0.25", "-3.5" (as the rules print numbers).</summary>
    public static string Format(decimal value) => (value / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}
