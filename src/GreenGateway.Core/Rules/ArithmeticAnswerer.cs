using System.Globalization;
using System.Text.RegularExpressions;

namespace GreenGateway.Core.Rules;

/// <summary>
/// Arithmetic questions ("what is (3.5 + 2) * 4?", "calculate 2^10", "15% of 80") evaluated exactly in
/// decimal arithmetic by a small recursive-descent parser: numbers, + - * / ^, parentheses, unary minus,
/// and "N% of M". Nothing is ever evaluated as code. Anything else, a division by zero, an overflow or a
/// result that decimal cannot hold exactly (1/3), makes it decline.
/// </summary>
public sealed partial class ArithmeticAnswerer : IRuleAnswerer
{
    public string Name => "arithmetic";

    public RuleAnswer? TryAnswer(RuleContext context)
    {
        var match = Question().Match(context.Question.Trim());
        if (!match.Success)
        {
            return null;
        }

        var expression = match.Groups["expr"].Value;
        var percent = PercentOf().Match(expression);
        if (percent.Success)
        {
            expression = $"({percent.Groups["p"].Value}) / 100 * ({percent.Groups["of"].Value})";
        }

        if (!ExpressionParser.TryEvaluate(expression, out var value, out var operators) || operators == 0)
        {
            return null;
        }

        return new RuleAnswer(Format(value), Name);
    }

    /// <summary>The value without trailing zeros, in invariant culture: "7", "0.25", "-3.5".</summary>
    public static string Format(decimal value) => (value / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?:(?:what\s*(?:is|'s|s)|whats|calculate|compute|evaluate|how\s+much\s+is|solve)\s+)?(?<expr>[\d\s\.\+\-\*/x×÷\^\(\)%]+?(?:\s*of\s*[\d\.\s\(\)]+)?)\s*(?:=\s*)?\??$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Question();

    [GeneratedRegex(@"^\s*(?<p>[\d\.]+)\s*%\s*of\s*(?<of>[\d\.\s\(\)]+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PercentOf();
}
