using GreenGateway.Cli.Workloads;

namespace GreenGateway.Cli.Evaluation.Tests;

public sealed class AnswerCheckTests
{
    [Theory]
    [InlineData("Removes all leading and trailing white-space characters.", "removes all leading and trailing whitespace characters", true)]
    [InlineData("The  value of the object.", "Value of object", true)]
    [InlineData("The value of the object", "The value of the string.", false)]
    [InlineData("", "Anything.", false)]
    public void Exact_ComparesSquadNormalizedText(string answer, string reference, bool expected) =>
        Assert.Equal(expected, AnswerCheck.IsCorrect(answer, reference, AnswerCheckKinds.Exact));

    [Theory]
    [InlineData("5 km = 5000 m", "5000", true)]
    [InlineData("50000", "5000", false)]
    [InlineData("2026-12-25 is a Friday.", "Friday", true)]
    [InlineData("17.78 cm", "17.78", true)]
    [InlineData("-28", "28", false)]
    [InlineData("The answer is -28.", "-28", true)]
    public void Contains_MatchesWholeWordsAndNumbers(string answer, string reference, bool expected) =>
        Assert.Equal(expected, AnswerCheck.IsCorrect(answer, reference, AnswerCheckKinds.Contains));

    [Fact]
    public void NoReference_AcceptsAnyNonEmptyAnswer()
    {
        Assert.True(AnswerCheck.IsCorrect("Hello! How can I help you?", null, AnswerCheckKinds.Contains));
        Assert.False(AnswerCheck.IsCorrect("  ", null, AnswerCheckKinds.Contains));
    }

    [Fact]
    public void TokenF1_IsSquads()
    {
        // predicted {cat, sat}, gold {cat, sat, down}: precision 1, recall 2/3, F1 0.8 ("the" is an article).
        Assert.Equal(0.8, AnswerCheck.TokenF1("The cat sat.", "cat sat down"), 6);
        Assert.Equal(1, AnswerCheck.TokenF1("A B", "b a"), 6);
        Assert.Equal(0, AnswerCheck.TokenF1("x", "y"), 6);
    }
}
