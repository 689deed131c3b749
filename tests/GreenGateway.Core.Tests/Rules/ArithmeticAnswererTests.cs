using System.Globalization;

namespace GreenGateway.Core.Rules.Tests;

public sealed class ArithmeticAnswererTests
{
    private static readonly RuleContext Base = new("", TimeZoneInfo.Utc, DateTimeOffset.UnixEpoch);

    private static string? Answer(string question) => new ArithmeticAnswerer().TryAnswer(Base with { Question = question })?.Text;

    [Theory]
    [InlineData("What is 2+2?", "4")]
    [InlineData("calculate (3.5 + 2) * 4", "22")]
    [InlineData("what's 2^10", "1024")]
    [InlineData("15% of 80", "12")]
    [InlineData("What is 0.1 + 0.2?", "0.3")]
    [InlineData("what is -3 * -2", "6")]
    [InlineData("7 / 8 =", "0.875")]
    [InlineData("compute 12 x 12", "144")]
    [InlineData("2 - 3 - 4", "-5")]
    [InlineData("2 ^ 3 ^ 2", "512")]
    public void Expression_IsEvaluatedExactly(string question, string expected) => Assert.Equal(expected, Answer(question));

    [Theory]
    [InlineData("what is 1/3")]
    [InlineData("what is 5 / 0")]
    [InlineData("what is 7")]
    [InlineData("what is the capital of France?")]
    [InlineData("what is 2 +")]
    [InlineData("2 ** 3")]
    [InlineData("10^100")]
    [InlineData("2 ^ 0.5")]
    [InlineData("what is 2+2 and why")]
    public void NotExactlyAnswerable_Declines(string question) => Assert.Null(Answer(question));

    [Fact]
    public void DeeplyNestedExpression_Declines_InsteadOfOverflowingTheStack()
    {
        Assert.Null(Answer(new string('(', 500) + "1" + new string(')', 500)));
        Assert.Null(Answer(string.Concat(Enumerable.Repeat("-", 500)) + "1 + 1"));
    }

    [Fact]
    public void RandomExpressions_MatchADirectEvaluationOfTheirTree()
    {
        var random = new Random(20261121);
        for (var i = 0; i < 500; i++)
        {
            var (text, value) = Generate(random, depth: 0);

            // A bare number is not a calculation: tier 0 leaves it to the model.
            var expected = text.Contains(' ', StringComparison.Ordinal) ? ArithmeticAnswerer.Format(value) : null;
            Assert.Equal(expected, Answer("what is " + text + " ?"));
        }
    }

    /// <summary>A random tree of small integers with + - * and parentheses, its text and its value.</summary>
    private static (string Text, decimal Value) Generate(Random random, int depth)
    {
        if (depth > 3 || random.Next(3) == 0)
        {
            var n = random.Next(0, 100);
            return (n.ToString(CultureInfo.InvariantCulture), n);
        }

        var (left, a) = Generate(random, depth + 1);
        var (right, b) = Generate(random, depth + 1);
        return random.Next(3) switch
        {
            0 => ($"({left} + {right})", a + b),
            1 => ($"({left} - {right})", a - b),
            _ => ($"({left} * {right})", a * b),
        };
    }
}
