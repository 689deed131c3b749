namespace GreenGateway.Inference.Tokenization;

/// <summary>A token matched whole in the raw text before pre-tokenization (tokenizer.json "added_tokens").</summary>
public sealed record AddedToken(int Id, string Content, bool Special, bool LeftStrip = false, bool RightStrip = false);

/// <summary>
/// Finds added tokens in text, leftmost first and the longest at a position (tokenizers matches them with a
/// leftmost-longest Aho-Corasick automaton); lstrip/rstrip tokens swallow the whitespace beside them.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens.Where(static t => t.Content.Length > 0)
            .GroupBy(static t => t.Content[0])
            .ToDictionary(static g => g.Key, static g => g.OrderByDescending(static t => t.Content.Length).ToArray());
    }

    /// <summary>Cuts <paramref name="text"/> into plain segments (Id = -1) and added tokens.</summary>
    public List<(int Id, string Text)> Split(string text)
    {
        var result = new List<(int, string)>();
        if (_byFirstChar.Count == 0)
        {
            result.Add((-1, text));
            return result;
        }

        var plainStart = 0;
        var i = 0;
        while (i < text.Length)
        {
            var token = MatchAt(text, i);
            if (token is null)
            {
                i++;
                continue;
            }

            var start = i;
            var end = i + token.Content.Length;
            if (token.LeftStrip)
            {
                while (start > plainStart && char.IsWhiteSpace(text[start - 1]))
                {
                    start--;
                }
            }

            if (token.RightStrip)
            {
                while (end < text.Length && char.IsWhiteSpace(text[end]))
                {
                    end++;
                }
            }

            if (start > plainStart)
            {
                result.Add((-1, text[plainStart..start]));
            }

            result.Add((token.Id, token.Content));
            plainStart = i = end;
        }

        if (plainStart < text.Length)
        {
            result.Add((-1, text[plainStart..]));
        }

        return result;
    }

    private AddedToken? MatchAt(string text, int at)
    {
        if (!_byFirstChar.TryGetValue(text[at], out var candidates))
        {
            return null;
        }

        foreach (var token in candidates)
        {
            if (string.CompareOrdinal(text, at, token.Content, 0, token.Content.Length) == 0)
            {
                return token;
            }
        }

        return null;
    }
}
