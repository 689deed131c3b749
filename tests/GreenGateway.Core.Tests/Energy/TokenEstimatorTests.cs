namespace GreenGateway.Core.Energy.Tests;

public sealed class TokenEstimatorTests
{
    [Fact]
    public void Estimate_OfEmptyText_IsZero()
    {
        Assert.Equal(0, TokenEstimator.Estimate(""));
    }

    [Fact]
    public void Estimate_OfProse_IsAboutFourCharactersPerToken()
    {
        // 43 characters, 9 words: ceil(43 / 4) = 11 tokens.
        Assert.Equal(11, TokenEstimator.Estimate("The quick brown fox jumps over the lazy dog"));
    }

    [Fact]
    public void Estimate_OfManyShortWords_IsAtLeastOnePerWord()
    {
        // 15 characters would give 4 tokens; 8 words give 8.
        Assert.Equal(8, TokenEstimator.Estimate("a b c d e f g h"));
    }

    [Fact]
    public void Estimate_WithWhitespaceRuns_CountsEachRunAsOneSeparator()
    {
        // 5 words, 15 characters (4 tokens by length); a run of spaces, tabs or newlines separates once.
        Assert.Equal(5, TokenEstimator.Estimate("a  b\t\tc\r\n\r\nd  e"));
    }

    [Fact]
    public void Estimate_WithLeadingAndTrailingWhitespace_AddsNoWords()
    {
        Assert.Equal(3, TokenEstimator.Estimate("   x y z   "));
    }

    [Fact]
    public void Estimate_OfNonAsciiText_CountsCharactersNotUtf8Bytes()
    {
        // 12 characters (24 UTF-8 bytes): 3 tokens, not 6.
        Assert.Equal(3, TokenEstimator.Estimate("éééééééééééé"));
    }

    [Fact]
    public void Estimate_WithUnicodeSpaces_SeparatesWords()
    {
        // U+3000 (ideographic space) and U+00A0 (no-break space) are whitespace too.
        Assert.Equal(3, TokenEstimator.Estimate("日\u3000本\u00A0語"));
    }
}
