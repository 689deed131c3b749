using System.Globalization;

namespace GreenGateway.Inference.Tokenization.Jinja;

/// <summary>Recursive-descent parser of Jinja's grammar (the precedence of jinja2/parser.py) into <see cref="Node"/>s.</summary>
internal sealed class JinjaParser
{
    /// <summary>How deep expressions and blocks may nest: deeper is refused rather than risking the stack.</summary>
    private const int MaxNesting = 200;

    private readonly List<Token> _tokens;
    private int _pos;
    private int _nesting;

    private JinjaParser(List<Token> tokens) => _tokens = tokens;

    private Token Current => _tokens[_pos];

    public static List<Node> Parse(string source)
    {
        var parser = new JinjaParser(JinjaLexer.Tokenize(source));
        var (body, end) = parser.ParseBody([]);
        if (end is not null)
        {
            throw new TemplateSyntaxException($"unexpected '{end}'", parser.Current.Line);
        }

        return body;
    }

    private Token Next() => _tokens[_pos++];

    private Token Expect(TokenKind kind, string? value = null)
    {
        var t = Current;
        if (t.Kind != kind || (value is not null && t.Value != value))
        {
            throw new TemplateSyntaxException($"expected {value ?? kind.ToString()}, got '{(t.Kind == TokenKind.Eof ? "end of template" : t.Value)}'", t.Line);
        }

        _pos++;
        return t;
    }

    private bool Skip(string op)
    {
        if (Current.IsOperator(op))
        {
            _pos++;
            return true;
        }

        return false;
    }

    private bool SkipName(string name)
    {
        if (Current.IsName(name))
        {
            _pos++;
            return true;
        }

        return false;
    }

    /// <summary>Nodes up to one of the block tags in <paramref name="ends"/> (consumed: the tag's name is returned) or the end.</summary>
    private (List<Node> Body, string? End) ParseBody(string[] ends)
    {
        var body = new List<Node>();
        while (true)
        {
            var t = Current;
            switch (t.Kind)
            {
                case TokenKind.Eof:
                    if (ends.Length > 0)
                    {
                        throw new TemplateSyntaxException($"missing '{ends[^1]}'", t.Line);
                    }

                    return (body, null);
                case TokenKind.Text:
                    _pos++;
                    body.Add(new TextNode(t.Value, t.Line));
                    break;
                case TokenKind.VariableBegin:
                    _pos++;
                    body.Add(new OutputNode(ParseTuple(), t.Line));
                    Expect(TokenKind.VariableEnd);
                    break;
                case TokenKind.BlockBegin:
                    _pos++;
                    var name = Current;
                    if (name.Kind == TokenKind.Name && Array.IndexOf(ends, name.Value) >= 0)
                    {
                        _pos++;
                        return (body, name.Value);
                    }

                    body.Add(ParseStatement());
                    break;
                default:
                    throw new TemplateSyntaxException($"unexpected '{t.Value}'", t.Line);
            }
        }
    }

    private Node ParseStatement()
    {
        Enter();
        try
        {
            return ParseStatementInner();
        }
        finally
        {
            _nesting--;
        }
    }

    private void Enter()
    {
        if (++_nesting > MaxNesting)
        {
            throw new TemplateSyntaxException($"the template nests deeper than {MaxNesting} levels", Current.Line);
        }
    }

    private Node ParseStatementInner()
    {
        var t = Expect(TokenKind.Name);
        switch (t.Value)
        {
            case "if":
                return ParseIf(t.Line);
            case "for":
                return ParseFor(t.Line);
            case "set":
                return ParseSet(t.Line);
            case "macro":
                return ParseMacro(t.Line);
            case "break":
                Expect(TokenKind.BlockEnd);
                return new BreakNode(t.Line);
            case "continue":
                Expect(TokenKind.BlockEnd);
                return new ContinueNode(t.Line);
            case "filter":
                var filter = ParseDottedName();
                var (args, kwargs) = Skip("(") ? ParseArguments() : ([], []);
                Expect(TokenKind.BlockEnd);
                var (body, _) = ParseBody(["endfilter"]);
                Expect(TokenKind.BlockEnd);
                return new FilterBlockNode(filter, args, kwargs, body, t.Line);
            case "generation":
                Expect(TokenKind.BlockEnd);
                return new ScopeNode(ParseBody(["endgeneration"]).Body.Also(() => Expect(TokenKind.BlockEnd)), t.Line);
            default:
                throw new TemplateSyntaxException($"unsupported tag '{t.Value}'", t.Line);
        }
    }

    private IfNode ParseIf(int line)
    {
        var branches = new List<(Expr, List<Node>)>();
        List<Node>? otherwise = null;
        var test = ParseTuple();
        while (true)
        {
            Expect(TokenKind.BlockEnd);
            var (body, end) = ParseBody(["elif", "else", "endif"]);
            branches.Add((test, body));
            if (end == "elif")
            {
                test = ParseTuple();
                continue;
            }

            if (end == "else")
            {
                Expect(TokenKind.BlockEnd);
                (otherwise, _) = ParseBody(["endif"]);
            }

            Expect(TokenKind.BlockEnd);
            return new IfNode(branches, otherwise, line);
        }
    }

    private ForNode ParseFor(int line)
    {
        var targets = new List<string> { Expect(TokenKind.Name).Value };
        while (Skip(","))
        {
            targets.Add(Expect(TokenKind.Name).Value);
        }

        Expect(TokenKind.Name, "in");
        var iterable = ParseTuple(withCondExpr: false);
        var filter = SkipName("if") ? ParseExpression() : null;
        if (SkipName("recursive"))
        {
            throw new TemplateSyntaxException("recursive loops are not supported", line);
        }

        Expect(TokenKind.BlockEnd);
        var (body, end) = ParseBody(["else", "endfor"]);
        List<Node>? otherwise = null;
        if (end == "else")
        {
            Expect(TokenKind.BlockEnd);
            (otherwise, _) = ParseBody(["endfor"]);
        }

        Expect(TokenKind.BlockEnd);
        return new ForNode(targets, iterable, filter, body, otherwise, line);
    }

    private Node ParseSet(int line)
    {
        var first = Expect(TokenKind.Name).Value;
        if (Skip("."))
        {
            var attribute = Expect(TokenKind.Name).Value;
            Expect(TokenKind.Operator, "=");
            var value = ParseTuple();
            Expect(TokenKind.BlockEnd);
            return new SetNode([first], attribute, value, line);
        }

        var targets = new List<string> { first };
        while (Skip(","))
        {
            targets.Add(Expect(TokenKind.Name).Value);
        }

        if (targets.Count == 1 && Current.Kind == TokenKind.BlockEnd)
        {
            _pos++;
            var (body, _) = ParseBody(["endset"]);
            Expect(TokenKind.BlockEnd);
            return new SetBlockNode(first, body, line);
        }

        Expect(TokenKind.Operator, "=");
        var expr = ParseTuple();
        Expect(TokenKind.BlockEnd);
        return new SetNode(targets, null, expr, line);
    }

    private MacroNode ParseMacro(int line)
    {
        var name = Expect(TokenKind.Name).Value;
        var parameters = new List<(string, Expr?)>();
        Expect(TokenKind.Operator, "(");
        while (!Skip(")"))
        {
            if (parameters.Count > 0)
            {
                Expect(TokenKind.Operator, ",");
                if (Skip(")"))
                {
                    break;
                }
            }

            var p = Expect(TokenKind.Name).Value;
            parameters.Add((p, Skip("=") ? ParseExpression() : null));
        }

        Expect(TokenKind.BlockEnd);
        var (body, _) = ParseBody(["endmacro"]);
        Expect(TokenKind.BlockEnd);
        return new MacroNode(name, parameters, body, line);
    }

    /// <summary>An expression, or several separated by commas (an implicit tuple, as in <c>set a, b = 1, 2</c>).</summary>
    private Expr ParseTuple(bool withCondExpr = true)
    {
        var line = Current.Line;
        var first = withCondExpr ? ParseExpression() : ParseOr();
        if (!Current.IsOperator(","))
        {
            return first;
        }

        var items = new List<Expr> { first };
        while (Skip(","))
        {
            if (Current.Kind is TokenKind.BlockEnd or TokenKind.VariableEnd || Current.IsOperator(")"))
            {
                break;
            }

            items.Add(withCondExpr ? ParseExpression() : ParseOr());
        }

        return new ListExpr(items, line, Tuple: true);
    }

    private Expr ParseExpression()
    {
        Enter();
        try
        {
            return ParseConditional();
        }
        finally
        {
            _nesting--;
        }
    }

    private Expr ParseConditional()
    {
        var expr = ParseOr();
        while (Current.IsName("if"))
        {
            var line = Next().Line;
            var test = ParseOr();
            var otherwise = SkipName("else") ? ParseExpression() : null;
            expr = new CondExpr(test, expr, otherwise, line);
        }

        return expr;
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            var line = Next().Line;
            left = new BinaryExpr("or", left, ParseAnd(), line);
        }

        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            var line = Next().Line;
            left = new BinaryExpr("and", left, ParseNot(), line);
        }

        return left;
    }

    private Expr ParseNot()
    {
        if (Current.IsName("not"))
        {
            var line = Next().Line;
            Enter();
            var operand = ParseNot();
            _nesting--;
            return new UnaryExpr("not", operand, line);
        }

        return ParseCompare();
    }

    private Expr ParseCompare()
    {
        var line = Current.Line;
        var first = ParseMath1();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            var t = Current;
            if (t.Kind == TokenKind.Operator && t.Value is "==" or "!=" or "<" or ">" or "<=" or ">=")
            {
                _pos++;
                rest.Add((t.Value, ParseMath1()));
            }
            else if (t.IsName("in"))
            {
                _pos++;
                rest.Add(("in", ParseMath1()));
            }
            else if (t.IsName("not") && _tokens[_pos + 1].IsName("in"))
            {
                _pos += 2;
                rest.Add(("notin", ParseMath1()));
            }
            else
            {
                break;
            }
        }

        return rest.Count == 0 ? first : new CompareExpr(first, rest, line);
    }

    private Expr ParseMath1() => ParseLeftAssociative(ParseConcat, "+", "-");

    private Expr ParseConcat() => ParseLeftAssociative(ParseMath2, "~");

    private Expr ParseMath2() => ParseLeftAssociative(ParsePow, "*", "/", "//", "%");

    private Expr ParsePow() => ParseLeftAssociative(() => ParseUnary(), "**");

    /// <summary>One precedence level of binary operators: operands of the next level joined left to right.</summary>
    private Expr ParseLeftAssociative(Func<Expr> operand, params string[] operators)
    {
        var left = operand();
        while (Current.Kind == TokenKind.Operator && Array.IndexOf(operators, Current.Value) >= 0)
        {
            var t = Next();
            left = new BinaryExpr(t.Value, left, operand(), t.Line);
        }

        return left;
    }

    private Expr ParseUnary(bool withFilter = true)
    {
        var t = Current;
        Expr node;
        if (t.Kind == TokenKind.Operator && t.Value is "-" or "+")
        {
            _pos++;
            Enter();
            node = new UnaryExpr(t.Value, ParseUnary(withFilter: false), t.Line);
            _nesting--;
        }
        else
        {
            node = ParsePrimary();
        }

        node = ParsePostfix(node);
        return withFilter ? ParseFilters(node) : node;
    }

    private Expr ParsePrimary()
    {
        var t = Next();
        switch (t.Kind)
        {
            case TokenKind.Name:
                return t.Value switch
                {
                    "true" or "True" => new ConstExpr(true, t.Line),
                    "false" or "False" => new ConstExpr(false, t.Line),
                    "none" or "None" => new ConstExpr(null, t.Line),
                    _ => new NameExpr(t.Value, t.Line),
                };
            case TokenKind.String:
                var text = t.Value;
                while (Current.Kind == TokenKind.String)
                {
                    text += Next().Value;
                }

                return new ConstExpr(text, t.Line);
            case TokenKind.Integer:
                return new ConstExpr(long.TryParse(t.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var l)
                    ? l
                    : throw new TemplateSyntaxException($"integer {t.Value} is out of range", t.Line), t.Line);
            case TokenKind.Float:
                return new ConstExpr(double.Parse(t.Value, NumberStyles.Float, CultureInfo.InvariantCulture), t.Line);
            case TokenKind.Operator when t.Value == "(":
                if (Skip(")"))
                {
                    return new ListExpr([], t.Line, Tuple: true);
                }

                var inner = ParseTuple();
                Expect(TokenKind.Operator, ")");
                return inner;
            case TokenKind.Operator when t.Value == "[":
                var items = new List<Expr>();
                while (!Skip("]"))
                {
                    if (items.Count > 0)
                    {
                        Expect(TokenKind.Operator, ",");
                        if (Skip("]"))
                        {
                            break;
                        }
                    }

                    items.Add(ParseExpression());
                }

                return new ListExpr(items, t.Line);
            case TokenKind.Operator when t.Value == "{":
                var pairs = new List<(Expr, Expr)>();
                while (!Skip("}"))
                {
                    if (pairs.Count > 0)
                    {
                        Expect(TokenKind.Operator, ",");
                        if (Skip("}"))
                        {
                            break;
                        }
                    }

                    var key = ParseExpression();
                    Expect(TokenKind.Operator, ":");
                    pairs.Add((key, ParseExpression()));
                }

                return new DictExpr(pairs, t.Line);
            default:
                throw new TemplateSyntaxException($"unexpected '{(t.Kind == TokenKind.Eof ? "end of template" : t.Value)}'", t.Line);
        }
    }

    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            var t = Current;
            if (t.IsOperator("."))
            {
                _pos++;
                var name = Next();
                node = name.Kind switch
                {
                    TokenKind.Name => new AttributeExpr(node, name.Value, t.Line),
                    TokenKind.Integer => new ItemExpr(node, new ConstExpr(long.Parse(name.Value, CultureInfo.InvariantCulture), t.Line), t.Line),
                    _ => throw new TemplateSyntaxException($"expected an attribute name after '.', got '{name.Value}'", t.Line),
                };
            }
            else if (t.IsOperator("["))
            {
                _pos++;
                node = ParseSubscript(node, t.Line);
            }
            else if (t.IsOperator("("))
            {
                _pos++;
                var (args, kwargs) = ParseArguments();
                node = new CallExpr(node, args, kwargs, t.Line);
            }
            else
            {
                return node;
            }
        }
    }

    private Expr ParseSubscript(Expr target, int line)
    {
        Expr? start = null;
        if (!Current.IsOperator(":"))
        {
            start = ParseExpression();
            if (Skip("]"))
            {
                return new ItemExpr(target, start, line);
            }
        }

        Expect(TokenKind.Operator, ":");
        Expr? stop = null;
        Expr? step = null;
        if (!Current.IsOperator("]") && !Current.IsOperator(":"))
        {
            stop = ParseExpression();
        }

        if (Skip(":") && !Current.IsOperator("]"))
        {
            step = ParseExpression();
        }

        Expect(TokenKind.Operator, "]");
        return new SliceExpr(target, start, stop, step, line);
    }

    /// <summary>Call arguments after '(' up to and including ')'.</summary>
    private (List<Expr>, List<(string, Expr)>) ParseArguments()
    {
        var args = new List<Expr>();
        var kwargs = new List<(string, Expr)>();
        while (!Skip(")"))
        {
            if (args.Count + kwargs.Count > 0)
            {
                Expect(TokenKind.Operator, ",");
                if (Skip(")"))
                {
                    break;
                }
            }

            if (Current.Kind == TokenKind.Name && _tokens[_pos + 1].IsOperator("="))
            {
                var name = Next().Value;
                _pos++;
                kwargs.Add((name, ParseExpression()));
            }
            else
            {
                args.Add(ParseExpression());
            }
        }

        return (args, kwargs);
    }

    private Expr ParseFilters(Expr node)
    {
        while (true)
        {
            var t = Current;
            if (t.IsOperator("|"))
            {
                _pos++;
                var name = ParseDottedName();
                var (args, kwargs) = Skip("(") ? ParseArguments() : ([], []);
                node = new FilterExpr(node, name, args, kwargs, t.Line);
            }
            else if (t.IsName("is"))
            {
                _pos++;
                var negated = SkipName("not");
                var name = ParseDottedName();
                List<Expr> args = [];
                if (Skip("("))
                {
                    (args, _) = ParseArguments();
                }
                else if (Current.Kind is TokenKind.String or TokenKind.Integer or TokenKind.Float
                    || (Current.Kind == TokenKind.Name && Current.Value is not ("else" or "or" or "and"))
                    || Current.IsOperator("(") || Current.IsOperator("[") || Current.IsOperator("{"))
                {
                    // `is divisibleby 3`, `is sameas none`: a test takes one bare argument.
                    args = [ParsePostfix(ParsePrimary())];
                }

                node = new TestExpr(node, name, args, negated, t.Line);
            }
            else if (t.IsOperator("("))
            {
                _pos++;
                var (args, kwargs) = ParseArguments();
                node = new CallExpr(node, args, kwargs, t.Line);
            }
            else
            {
                return node;
            }
        }
    }

    private string ParseDottedName()
    {
        var name = Expect(TokenKind.Name).Value;
        while (Current.IsOperator(".") && _tokens[_pos + 1].Kind == TokenKind.Name)
        {
            _pos++;
            name += "." + Next().Value;
        }

        return name;
    }
}

internal static class ParserExtensions
{
    public static T Also<T>(this T value, Action action)
    {
        action();
        return value;
    }
}
