using System.Globalization;
using System.Text.RegularExpressions;

namespace GreenGateway.Core.Rules;

/// <summary>
/// Unit conversions ("convert 5 km to miles", "how many feet in 3 meters", "100 F in C") between units
/// of one kind, from exact definitions. Results are exact decimals where they terminate, else rounded
/// to 6 significant digits and marked with "≈". Unknown units or units of different kinds: decline.
/// </summary>
public sealed partial class UnitConversionAnswerer : IRuleAnswerer
{
    public string Name => "units";

    public RuleAnswer? TryAnswer(RuleContext context)
    {
        var question = context.Question.Trim();
        var match = ConvertTo().Match(question);
        if (!match.Success)
        {
            match = HowMany().Match(question);
        }

        if (!match.Success
            || !decimal.TryParse(match.Groups["n"].Value, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var amount)
            || !Units.TryGet(match.Groups["from"].Value, out var from)
            || !Units.TryGet(match.Groups["to"].Value, out var to)
            || from.Kind != to.Kind
            || from.Symbol == to.Symbol)
        {
            return null;
        }

        decimal result;
        try
        {
            result = to.FromBase(from.ToBase(amount));
        }
        catch (OverflowException)
        {
            return null;
        }

        var rounded = RoundSignificant(result, 6);
        var relation = rounded == result ? "=" : "≈";
        return new RuleAnswer($"{ArithmeticAnswerer.Format(amount)} {from.Symbol} {relation} {ArithmeticAnswerer.Format(rounded)} {to.Symbol}", Name);
    }

    private static decimal RoundSignificant(decimal value, int digits)
    {
        if (value == 0)
        {
            return 0;
        }

        var magnitude = (int)Math.Floor(Math.Log10((double)Math.Abs(value)));
        var decimals = Math.Clamp(digits - 1 - magnitude, 0, 20);
        return Math.Round(value, decimals, MidpointRounding.AwayFromZero);
    }

    [GeneratedRegex(@"^(?:please\s+)?(?:convert\s+|what\s+is\s+|what's\s+|how\s+much\s+is\s+)?(?<n>-?[\d\.]+)\s*(?<from>[a-zA-Z°][a-zA-Z°\s]*?)\s+(?:to|in|into|as)\s+(?<to>[a-zA-Z°][a-zA-Z°\s]*?)\s*\??$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ConvertTo();

    [GeneratedRegex(@"^how\s+many\s+(?<to>[a-zA-Z°][a-zA-Z°\s]*?)\s+(?:are\s+(?:there\s+)?)?in\s+(?:a\s+|an\s+)?(?<n>-?[\d\.]+)\s*(?<from>[a-zA-Z°][a-zA-Z°\s]*?)\s*\??$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HowMany();
}
