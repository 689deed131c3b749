using System.Globalization;

namespace GreenGateway.Core.Rules;

/// <summary>
/// Exact decimal evaluation of + - * / ^ with parentheses and unary minus, by recursive descent:
/// expr = term (('+'|'-') term)*; term = power (('*'|'/') power)*; power = unary ('^' power)?;
/// unary = '-' unary | atom; atom = number | '(' expr ')'. 'x' and '×' multiply, '÷' divides.
/// </summary>
internal ref struct ExpressionParser
{
    private const int MaxDepth = 64;
    private readonly ReadOnlySpan<char> _text;
    private int _position;
    private int _depth;
    private int _operators;

    private ExpressionParser(ReadOnlySpan<char> text)
    {
        _text = text;
    }

    /// <summary>Evaluates <paramref name="text"/>; false when it is not a well-formed expression or cannot be computed exactly.</summary>
    /// <param name="operators">How many operators it held (a bare number is not a calculation).</param>
    public static bool TryEvaluate(ReadOnlySpan<char> text, out decimal value, out int operators)
    {
        var parser = new ExpressionParser(text);
        operators = 0;
        try
        {
            if (parser.TryExpression(out value) && parser.AtEnd())
            {
                operators = parser._operators;
                return true;
            }
        }
        catch (OverflowException)
        {
        }
        catch (DivideByZeroException)
        {
        }

        value = 0;
        return false;
    }

    private bool TryExpression(out decimal value)
    {
        if (++_depth > MaxDepth || !TryTerm(out value))
        {
            value = 0;
            return false;
        }

        while (Peek() is '+' or '-')
        {
            var op = Next();
            _operators++;
            if (!TryTerm(out var right))
            {
                return false;
            }

            value = op == '+' ? value + right : value - right;
        }

        _depth--;
        return true;
    }

    private bool TryTerm(out decimal value)
    {
        if (!TryPower(out value))
        {
            return false;
        }

        while (Peek() is '*' or '/' or 'x' or 'X' or '×' or '÷')
        {
            var op = Next();
            _operators++;
            if (!TryPower(out var right))
            {
                return false;
            }

            if (op is '/' or '÷')
            {
                var quotient = value / right;

                // Decimal rounds at 28-29 digits: a quotient that does not multiply back is not exact (1/3).
                if (quotient * right != value)
                {
                    return false;
                }

                value = quotient;
            }
            else
            {
                value *= right;
            }
        }

        return true;
    }

    private bool TryPower(out decimal value)
    {
        if (!TryUnary(out value))
        {
            return false;
        }

        if (Peek() != '^')
        {
            return true;
        }

        Next();
        _operators++;
        if (!TryPower(out var exponent) || exponent != decimal.Truncate(exponent) || exponent is < 0 or > 256)
        {
            return false;
        }

        var result = 1m;
        for (var i = 0; i < (int)exponent; i++)
        {
            result *= value;
        }

        value = result;
        return true;
    }

    private bool TryUnary(out decimal value)
    {
        if (Peek() == '-')
        {
            Next();
            if (++_depth > MaxDepth || !TryUnary(out value))
            {
                value = 0;
                return false;
            }

            _depth--;
            value = -value;
            return true;
        }

        return TryAtom(out value);
    }

    private bool TryAtom(out decimal value)
    {
        value = 0;
        if (Peek() == '(')
        {
            Next();
            return TryExpression(out value) && Next() == ')';
        }

        SkipSpaces();
        var start = _position;
        while (_position < _text.Length && (char.IsAsciiDigit(_text[_position]) || _text[_position] == '.'))
        {
            _position++;
        }

        return _position > start
            && decimal.TryParse(_text[start.._position], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }

    private char Peek()
    {
        SkipSpaces();
        return _position < _text.Length ? _text[_position] : '\0';
    }

    private char Next()
    {
        SkipSpaces();
        return _position < _text.Length ? _text[_position++] : '\0';
    }

    private void SkipSpaces()
    {
        while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
        {
            _position++;
        }
    }

    private bool AtEnd()
    {
        SkipSpaces();
        return _position == _text.Length;
    }
}
