using System.Globalization;
using System.Text;

namespace GreenGateway.Inference.Tokenization.Jinja;

internal enum TokenKind
{
    Text,
    VariableBegin,
    VariableEnd,
    BlockBegin,
    BlockEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    Eof,
}

internal readonly record struct Token(TokenKind Kind, string Value, int Line)
{
    public bool Is(TokenKind kind, string value) => Kind == kind && Value == value;

    public bool IsName(string value) => Is(TokenKind.Name, value);

    public bool IsOperator(string value) => Is(TokenKind.Operator, value);
}

/// <summary>
/// Splits a template into text and tag tokens with Jinja's whitespace rules as transformers configures them:
/// <c>trim_blocks</c> (the first newline after a block or comment tag is dropped), <c>lstrip_blocks</c> (spaces and
/// tabs before a block or comment tag at the start of a line are dropped), <c>-</c> and <c>+</c> modifiers, and
/// <c>keep_trailing_newline=False</c> (one final newline of the source is dropped).
/// </summary>
internal static class JinjaLexer
{
    private static readonly string[] Operators =
        ["**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", ".", ",", ":", "|", "(", ")", "[", "]", "{", "}"];

    public static List<Token> Tokenize(string source)
    {
        if (source.EndsWith("\r\n", StringComparison.Ordinal))
        {
            source = source[..^2];
        }
        else if (source.EndsWith('\n'))
        {
            source = source[..^1];
        }

        var tokens = new List<Token>();
        var lines = new LineMap(source);
        var pos = 0;
        var lineStarting = true;
        while (pos < source.Length)
        {
            var start = NextTag(source, pos);
            var text = source[pos..(start < 0 ? source.Length : start)];
            if (start < 0)
            {
                Emit(tokens, text, lines.Of(pos));
                break;
            }

            var kind = source[start + 1];
            var sign = start + 2 < source.Length ? source[start + 2] : '\0';
            if (sign == '-')
            {
                text = text.TrimEnd();
            }
            else if (sign != '+' && kind != '{')
            {
                // lstrip_blocks: drop the spaces and tabs between the line's start and the tag.
                var lineStart = text.LastIndexOf('\n') + 1;
                if ((lineStart > 0 || lineStarting) && lineStart < text.Length && string.IsNullOrWhiteSpace(text[lineStart..]))
                {
                    text = text[..lineStart];
                }
            }

            Emit(tokens, text, lines.Of(pos));
            var p = start + 2 + (sign == '-' || (sign == '+' && kind != '{') ? 1 : 0);
            int after;
            if (kind == '#')
            {
                var end = source.IndexOf("#}", p, StringComparison.Ordinal);
                if (end < 0)
                {
                    throw new TemplateSyntaxException("unclosed comment", lines.Of(start));
                }

                var strip = end > p && source[end - 1] == '-';
                var plus = end > p && source[end - 1] == '+';
                after = Trail(source, end + 2, strip, trimNewline: !plus);
            }
            else
            {
                var block = kind == '%';
                tokens.Add(new Token(block ? TokenKind.BlockBegin : TokenKind.VariableBegin, "", lines.Of(start)));
                after = LexTag(source, p, block, tokens, lines);
            }

            lineStarting = after > 0 && source[after - 1] == '\n';
            pos = after;
        }

        tokens.Add(new Token(TokenKind.Eof, "", lines.Of(source.Length)));
        return tokens;
    }

    private static int NextTag(string s, int from)
    {
        for (var i = s.IndexOf('{', from); i >= 0 && i + 1 < s.Length; i = s.IndexOf('{', i + 1))
        {
            if (s[i + 1] is '{' or '%' or '#')
            {
                return i;
            }
        }

        return -1;
    }

    private static void Emit(List<Token> tokens, string text, int line)
    {
        if (text.Length > 0)
        {
            tokens.Add(new Token(TokenKind.Text, text, line));
        }
    }

    /// <summary>The position after a tag's end: all whitespace skipped for '-', else one newline under trim_blocks.</summary>
    private static int Trail(string s, int p, bool strip, bool trimNewline)
    {
        if (strip)
        {
            while (p < s.Length && char.IsWhiteSpace(s[p]))
            {
                p++;
            }
        }
        else if (trimNewline)
        {
            if (p < s.Length && s[p] == '\n')
            {
                p++;
            }
            else if (p + 1 < s.Length && s[p] == '\r' && s[p + 1] == '\n')
            {
                p += 2;
            }
        }

        return p;
    }

    private static int LexTag(string s, int p, bool block, List<Token> tokens, LineMap lines)
    {
        var end = block ? "%}" : "}}";
        var depth = 0;
        while (true)
        {
            while (p < s.Length && char.IsWhiteSpace(s[p]))
            {
                p++;
            }

            var line = lines.Of(p);
            if (p >= s.Length)
            {
                throw new TemplateSyntaxException($"unclosed tag: expected '{end}'", line);
            }

            if (depth == 0)
            {
                if (string.CompareOrdinal(s, p, end, 0, 2) == 0)
                {
                    tokens.Add(new Token(block ? TokenKind.BlockEnd : TokenKind.VariableEnd, "", line));
                    return Trail(s, p + 2, strip: false, trimNewline: block);
                }

                if (s[p] is '-' or '+' && string.CompareOrdinal(s, p + 1, end, 0, 2) == 0 && (s[p] == '-' || block))
                {
                    tokens.Add(new Token(block ? TokenKind.BlockEnd : TokenKind.VariableEnd, "", line));
                    return Trail(s, p + 3, strip: s[p] == '-', trimNewline: false);
                }
            }

            var c = s[p];
            if (char.IsAsciiLetter(c) || c == '_')
            {
                var q = p + 1;
                while (q < s.Length && (char.IsAsciiLetterOrDigit(s[q]) || s[q] == '_'))
                {
                    q++;
                }

                tokens.Add(new Token(TokenKind.Name, s[p..q], line));
                p = q;
            }
            else if (char.IsAsciiDigit(c))
            {
                p = LexNumber(s, p, tokens, line);
            }
            else if (c is '\'' or '"')
            {
                p = LexString(s, p, tokens, line);
            }
            else
            {
                var op = Array.Find(Operators, o => string.CompareOrdinal(s, p, o, 0, o.Length) == 0)
                    ?? throw new TemplateSyntaxException($"unexpected character '{c}'", line);
                depth += op is "(" or "[" or "{" ? 1 : op is ")" or "]" or "}" ? -1 : 0;
                if (depth < 0)
                {
                    throw new TemplateSyntaxException($"unexpected '{op}'", line);
                }

                tokens.Add(new Token(TokenKind.Operator, op, line));
                p += op.Length;
            }
        }
    }

    private static int LexNumber(string s, int p, List<Token> tokens, int line)
    {
        var q = p;
        while (q < s.Length && (char.IsAsciiDigit(s[q]) || s[q] == '_'))
        {
            q++;
        }

        var isFloat = false;
        if (q + 1 < s.Length && s[q] == '.' && char.IsAsciiDigit(s[q + 1]))
        {
            isFloat = true;
            q++;
            while (q < s.Length && (char.IsAsciiDigit(s[q]) || s[q] == '_'))
            {
                q++;
            }
        }

        if (q < s.Length && s[q] is 'e' or 'E')
        {
            var r = q + 1;
            if (r < s.Length && s[r] is '+' or '-')
            {
                r++;
            }

            if (r < s.Length && char.IsAsciiDigit(s[r]))
            {
                isFloat = true;
                q = r;
                while (q < s.Length && char.IsAsciiDigit(s[q]))
                {
                    q++;
                }
            }
        }

        tokens.Add(new Token(isFloat ? TokenKind.Float : TokenKind.Integer, s[p..q].Replace("_", "", StringComparison.Ordinal), line));
        return q;
    }

    /// <summary>A quoted string with Python's escapes (Jinja decodes literals with Python's unicode-escape codec).</summary>
    private static int LexString(string s, int p, List<Token> tokens, int startLine)
    {
        var quote = s[p];
        var sb = new StringBuilder();
        var q = p + 1;
        while (true)
        {
            if (q >= s.Length)
            {
                throw new TemplateSyntaxException("unterminated string", startLine);
            }

            var c = s[q];
            if (c == quote)
            {
                break;
            }

            if (c != '\\' || q + 1 >= s.Length)
            {
                sb.Append(c);
                q++;
                continue;
            }

            var e = s[q + 1];
            q += 2;
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case '\n': break;
                case 'x' or 'u' or 'U':
                    var n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (q + n > s.Length || !int.TryParse(s.AsSpan(q, n), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                    {
                        throw new TemplateSyntaxException($"bad \\{e} escape in a string", startLine);
                    }

                    sb.Append(char.ConvertFromUtf32(code));
                    q += n;
                    break;
                case >= '0' and <= '7':
                    var v = e - '0';
                    for (var k = 0; k < 2 && q < s.Length && s[q] is >= '0' and <= '7'; k++, q++)
                    {
                        v = (v * 8) + (s[q] - '0');
                    }

                    sb.Append((char)v);
                    break;
                default:
                    // Python keeps an unknown escape as written.
                    sb.Append('\\').Append(e);
                    break;
            }
        }

        tokens.Add(new Token(TokenKind.String, sb.ToString(), startLine));
        return q + 1;
    }

    /// <summary>Line numbers of source positions, for error messages.</summary>
    private sealed class LineMap
    {
        private readonly List<int> _starts = [0];

        public LineMap(string s)
        {
            for (var i = s.IndexOf('\n'); i >= 0; i = s.IndexOf('\n', i + 1))
            {
                _starts.Add(i + 1);
            }
        }

        public int Of(int position)
        {
            var i = _starts.BinarySearch(position);
            return (i >= 0 ? i : ~i - 1) + 1;
        }
    }
}
