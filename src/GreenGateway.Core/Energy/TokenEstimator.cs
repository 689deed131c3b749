namespace GreenGateway.Core.Energy;

/// <summary>
/// Counts tokens where an upstream reports none. Without the upstream's tokenizer the count is an
/// estimate: about four characters of English text per token, the rule of thumb OpenAI publishes
/// ("What are tokens and how to count them?", OpenAI Help Center). Never below one token per
/// whitespace-separated word, which keeps code and short words from being undercounted.
/// </summary>
public static class TokenEstimator
{
    /// <summary>Characters per token in English text (OpenAI Help Center).</summary>
    public const double CharactersPerToken = 4.0;

    public static int Estimate(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return 0;
        }

        var words = 0;
        var inWord = false;
        foreach (var c in text)
        {
            var space = char.IsWhiteSpace(c);
            if (!space && !inWord)
            {
                words++;
            }

            inWord = !space;
        }

        var byLength = (int)Math.Ceiling(text.Length / CharactersPerToken);
        return Math.Max(words, byLength);
    }
}
