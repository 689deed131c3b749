using System.Globalization;
using System.Text;

namespace GreenGateway.Inference.Tokenization.Jinja;

/// <summary>Variables of one frame: the template's top level, a loop iteration, or a macro call.</summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, object?> _vars = new(StringComparer.Ordinal);

    public bool TryGet(string name, out object? value)
    {
        for (var s = this; s is not null; s = s.Parent)
        {
            if (s._vars.TryGetValue(name, out value))
            {
                return true;
            }
        }

        value = null;
        return false;
    }

    public Scope? Parent { get; } = parent;

    public void Set(string name, object? value) => _vars[name] = value;
}

/// <summary>Renders a parsed template: statements write to the output, expressions evaluate with Python's semantics.</summary>
internal sealed partial class JinjaInterpreter(JinjaLimits limits, TimeProvider time)
{
    private enum Signal
    {
        None,
        Break,
        Continue,
    }

    private StringBuilder _out = new();
    private long _written;
    private long _steps;
    private int _depth;

    public string Render(List<Node> nodes, Scope scope)
    {
        Exec(nodes, scope);
        return _out.ToString();
    }

    private void Step()
    {
        if (++_steps > limits.MaxSteps)
        {
            throw new TemplateLimitException($"the template ran more than {limits.MaxSteps} steps (loop iterations and tags); it may not end");
        }
    }

    private void Write(string s)
    {
        _written += s.Length;
        if (_written > limits.MaxOutputChars)
        {
            throw new TemplateLimitException($"the template wrote more than {limits.MaxOutputChars} characters");
        }

        _out.Append(s);
    }

    /// <summary>A string or list the template builds may not pass the output limit either.</summary>
    private T Sized<T>(T value, long size)
    {
        if (size > limits.MaxOutputChars)
        {
            throw new TemplateLimitException($"the template built a value of {size} items or characters, over the limit of {limits.MaxOutputChars}");
        }

        return value;
    }

    private Signal Exec(List<Node> nodes, Scope scope)
    {
        foreach (var node in nodes)
        {
            Step();
            var signal = Exec(node, scope);
            if (signal != Signal.None)
            {
                return signal;
            }
        }

        return Signal.None;
    }

    private Signal Exec(Node node, Scope scope)
    {
        try
        {
            return ExecNode(node, scope);
        }
        catch (TemplateException e) when (e is not TemplateRaisedException and not TemplateLimitException && !e.Message.StartsWith("line ", StringComparison.Ordinal))
        {
            throw new TemplateException($"line {node.Line}: {e.Message}", e);
        }
    }

    private Signal ExecNode(Node node, Scope scope)
    {
        switch (node)
        {
            case TextNode t:
                Write(t.Text);
                return Signal.None;
            case OutputNode o:
                Write(PyValue.Str(Eval(o.Value, scope)));
                return Signal.None;
            case IfNode i:
                foreach (var (test, body) in i.Branches)
                {
                    if (PyValue.Truthy(Eval(test, scope)))
                    {
                        return Exec(body, scope);
                    }
                }

                return i.Else is null ? Signal.None : Exec(i.Else, scope);
            case ForNode f:
                ExecFor(f, scope);
                return Signal.None;
            case SetNode s:
                ExecSet(s, scope);
                return Signal.None;
            case SetBlockNode sb:
                scope.Set(sb.Target, Capture(sb.Body, scope));
                return Signal.None;
            case FilterBlockNode fb:
                Write(PyValue.Str(ApplyFilter(fb.Filter, Capture(fb.Body, scope), EvalArgs(fb.Args, scope), EvalKwargs(fb.Kwargs, scope))));
                return Signal.None;
            case MacroNode m:
                scope.Set(m.Name, MakeMacro(m, scope));
                return Signal.None;
            case BreakNode:
                return Signal.Break;
            case ContinueNode:
                return Signal.Continue;
            case ScopeNode sc:
                return Exec(sc.Body, scope);
            default:
                throw new TemplateException($"cannot run {node.GetType().Name}");
        }
    }

    private void ExecFor(ForNode f, Scope scope)
    {
        var all = Iterate(Eval(f.Iterable, scope));
        var items = all;
        if (f.Filter is not null)
        {
            items = [];
            foreach (var item in all)
            {
                Step();
                var probe = new Scope(scope);
                Bind(probe, f.Targets, item);
                if (PyValue.Truthy(Eval(f.Filter, probe)))
                {
                    items.Add(item);
                }
            }
        }

        var loop = new LoopInfo(items);
        for (var i = 0; i < items.Count; i++)
        {
            Step();
            loop.Index0 = i;
            var inner = new Scope(scope);
            Bind(inner, f.Targets, items[i]);
            inner.Set("loop", loop);
            if (Exec(f.Body, inner) == Signal.Break)
            {
                break;
            }
        }

        if (items.Count == 0 && f.Else is not null)
        {
            Exec(f.Else, scope);
        }
    }

    private static void Bind(Scope scope, List<string> targets, object? value)
    {
        if (targets.Count == 1)
        {
            scope.Set(targets[0], value);
            return;
        }

        if (value is not List<object?> parts || parts.Count != targets.Count)
        {
            throw new TemplateException($"cannot unpack {PyValue.TypeName(value)} into {targets.Count} values");
        }

        for (var i = 0; i < targets.Count; i++)
        {
            scope.Set(targets[i], parts[i]);
        }
    }

    private void ExecSet(SetNode s, Scope scope)
    {
        var value = Eval(s.Value, scope);
        if (s.Attribute is null)
        {
            Bind(scope, s.Targets, value);
            return;
        }

        if (!scope.TryGet(s.Targets[0], out var target) || target is not JinjaNamespace ns)
        {
            throw new TemplateException("cannot assign attribute on non-namespace object");
        }

        ns.Attributes[s.Attribute] = value;
    }

    /// <summary>The output of <paramref name="body"/> as a string (a macro call, a set block).</summary>
    private string Capture(List<Node> body, Scope scope)
    {
        var saved = _out;
        _out = new StringBuilder();
        try
        {
            Exec(body, scope);
            return _out.ToString();
        }
        finally
        {
            _out = saved;
        }
    }

    private JinjaFunction MakeMacro(MacroNode m, Scope defining) => new(m.Name, (args, kwargs) =>
    {
        if (args.Count > m.Parameters.Count)
        {
            throw new TemplateException($"macro '{m.Name}' takes not more than {m.Parameters.Count} argument(s)");
        }

        if (++_depth > limits.MaxCallDepth)
        {
            throw new TemplateLimitException($"macro calls nested deeper than {limits.MaxCallDepth}");
        }

        try
        {
            var frame = new Scope(defining);
            for (var i = 0; i < m.Parameters.Count; i++)
            {
                var (name, fallback) = m.Parameters[i];
                frame.Set(name, i < args.Count ? args[i]
                    : kwargs.Remove(name, out var v) ? v
                    : fallback is not null ? Eval(fallback, defining)
                    : new Undefined($"parameter '{name}' was not provided"));
            }

            if (kwargs.Count > 0)
            {
                throw new TemplateException($"macro '{m.Name}' takes no keyword argument '{kwargs.Keys.First()}'");
            }

            return Capture(m.Body, frame);
        }
        finally
        {
            _depth--;
        }
    });

    /// <summary>The items a for loop (or list()) walks: a list's items, a dict's keys, a string's characters.</summary>
    internal List<object?> Iterate(object? value) => value switch
    {
        List<object?> l => [.. l],
        JinjaDict d => [.. d.Keys],
        string s => [.. CodePoints(s)],
        Undefined => [],
        _ => throw new TemplateException($"'{PyValue.TypeName(value)}' object is not iterable"),
    };

    private static IEnumerable<object?> CodePoints(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            var n = char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
            yield return s.Substring(i, n);
            i += n - 1;
        }
    }

    private object? Eval(Expr e, Scope scope)
    {
        switch (e)
        {
            case ConstExpr c:
                return c.Value;
            case NameExpr n:
                return scope.TryGet(n.Name, out var v) ? v : Global(n.Name) ?? new Undefined($"'{n.Name}' is undefined");
            case ListExpr l:
                var items = new List<object?>(l.Items.Count);
                foreach (var item in l.Items)
                {
                    items.Add(Eval(item, scope));
                }

                return l.Tuple ? new JinjaTuple(items) : items;
            case DictExpr d:
                var dict = new JinjaDict();
                foreach (var (key, value) in d.Items)
                {
                    dict[PyValue.Str(Eval(key, scope))] = Eval(value, scope);
                }

                return dict;
            case AttributeExpr a:
                return GetAttribute(Eval(a.Target, scope), a.Name);
            case ItemExpr i:
                return GetItem(Eval(i.Target, scope), Eval(i.Key, scope));
            case SliceExpr s:
                return Slice(Eval(s.Target, scope), Opt(s.Start, scope), Opt(s.Stop, scope), Opt(s.Step, scope));
            case CallExpr c:
                return Call(Eval(c.Target, scope), EvalArgs(c.Args, scope), EvalKwargs(c.Kwargs, scope));
            case FilterExpr f:
                return ApplyFilter(f.Name, Eval(f.Value, scope), EvalArgs(f.Args, scope), EvalKwargs(f.Kwargs, scope));
            case TestExpr t:
                return ApplyTest(t.Name, Eval(t.Value, scope), EvalArgs(t.Args, scope)) != t.Negated;
            case BinaryExpr { Op: "and" } b:
                var left = Eval(b.Left, scope);
                return PyValue.Truthy(left) ? Eval(b.Right, scope) : left;
            case BinaryExpr { Op: "or" } b:
                var first = Eval(b.Left, scope);
                return PyValue.Truthy(first) ? first : Eval(b.Right, scope);
            case BinaryExpr b:
                return Binary(b.Op, Eval(b.Left, scope), Eval(b.Right, scope));
            case UnaryExpr u:
                return Unary(u.Op, Eval(u.Operand, scope));
            case CompareExpr c:
                var current = Eval(c.First, scope);
                foreach (var (op, rightExpr) in c.Rest)
                {
                    var right = Eval(rightExpr, scope);
                    if (!Compare(op, current, right))
                    {
                        return false;
                    }

                    current = right;
                }

                return true;
            case CondExpr c:
                return PyValue.Truthy(Eval(c.Test, scope)) ? Eval(c.Then, scope)
                    : c.Else is null ? new Undefined("the inline if-expression evaluated to false and no else section was defined")
                    : Eval(c.Else, scope);
            default:
                throw new TemplateException($"cannot evaluate {e.GetType().Name}");
        }
    }

    private object? Opt(Expr? e, Scope scope) => e is null ? null : Eval(e, scope);

    private List<object?> EvalArgs(List<Expr> args, Scope scope)
    {
        var values = new List<object?>(args.Count);
        foreach (var a in args)
        {
            values.Add(Eval(a, scope));
        }

        return values;
    }

    private Dictionary<string, object?> EvalKwargs(List<(string Name, Expr Value)> kwargs, Scope scope)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in kwargs)
        {
            values[name] = Eval(value, scope);
        }

        return values;
    }

    internal static object? Call(object? target, List<object?> args, Dictionary<string, object?> kwargs) => target switch
    {
        JinjaFunction f => f.Invoke(args, kwargs),
        Undefined u => throw u.Error(),
        _ => throw new TemplateException($"'{PyValue.TypeName(target)}' object is not callable"),
    };

    /// <summary>Jinja's getattr: an attribute (a method, a loop or namespace field) first, then an item.</summary>
    internal static object? GetAttribute(object? target, string name)
    {
        switch (target)
        {
            case Undefined u:
                throw u.Error();
            case LoopInfo loop:
                return loop.Get(name);
            case JinjaNamespace ns:
                return ns.Attributes.TryGetValue(name, out var nv) ? nv : new Undefined($"'Namespace' has no attribute '{name}'");
        }

        if (Method(target, name) is { } method)
        {
            return method;
        }

        return target is JinjaDict d && d.TryGetValue(name, out var value)
            ? value
            : new Undefined($"'{PyValue.TypeName(target)} object' has no attribute '{name}'");
    }

    /// <summary>Jinja's getitem: an item first, then (for a string key) an attribute.</summary>
    internal static object? GetItem(object? target, object? key)
    {
        switch (target)
        {
            case Undefined u:
                throw u.Error();
            case JinjaDict d when key is string k && d.TryGetValue(k, out var value):
                return value;
            case JinjaDict d when key is long or bool or double && d.TryGetValue(PyValue.Str(key), out var value):
                return value;
            case List<object?> l when key is long or bool:
                var i = PyValue.ToLong(key);
                i = i < 0 ? i + l.Count : i;
                return i >= 0 && i < l.Count ? l[(int)i] : new Undefined($"{PyValue.TypeName(target)} object has no element {key}");
            case string s when key is long or bool:
                var points = CodePoints(s).ToList();
                var j = PyValue.ToLong(key);
                j = j < 0 ? j + points.Count : j;
                return j >= 0 && j < points.Count ? points[(int)j] : new Undefined($"str object has no element {key}");
        }

        return key is string name ? GetAttribute(target, name) : new Undefined($"{PyValue.TypeName(target)} object has no element {PyValue.Repr(key)}");
    }

    private static object? Slice(object? target, object? start, object? stop, object? step)
    {
        if (target is Undefined u)
        {
            throw u.Error();
        }

        var items = target switch
        {
            List<object?> l => l,
            string s => CodePoints(s).ToList(),
            _ => throw new TemplateException($"'{PyValue.TypeName(target)}' object is not subscriptable"),
        };
        var n = items.Count;
        var st = step is null ? 1 : PyValue.ToLong(step);
        if (st == 0)
        {
            throw new TemplateException("slice step cannot be zero");
        }

        long Clamp(object? v, long whenNone, long lo, long hi)
        {
            if (v is null)
            {
                return whenNone;
            }

            var x = PyValue.ToLong(v);
            x = x < 0 ? x + n : x;
            return Math.Clamp(x, lo, hi);
        }

        var result = new List<object?>();
        if (st > 0)
        {
            for (long i = Clamp(start, 0, 0, n), end = Clamp(stop, n, 0, n); i < end; i += st)
            {
                result.Add(items[(int)i]);
            }
        }
        else
        {
            for (long i = Clamp(start, n - 1, -1, n - 1), end = Clamp(stop, -1, -1, n - 1); i > end; i += st)
            {
                result.Add(items[(int)i]);
            }
        }

        return target is string ? string.Concat(result.Cast<string>()) : result;
    }

    private bool Compare(string op, object? a, object? b) => op switch
    {
        "==" => PyValue.Eq(a, b),
        "!=" => !PyValue.Eq(a, b),
        "<" => PyValue.Compare(a, b, op) < 0,
        "<=" => PyValue.Compare(a, b, op) <= 0,
        ">" => PyValue.Compare(a, b, op) > 0,
        ">=" => PyValue.Compare(a, b, op) >= 0,
        "in" => Contains(b, a),
        "notin" => !Contains(b, a),
        _ => throw new TemplateException($"unknown comparison '{op}'"),
    };

    internal static bool Contains(object? container, object? item) => container switch
    {
        string s => item is string sub ? s.Contains(sub, StringComparison.Ordinal)
            : throw new TemplateException($"'in <string>' requires string as left operand, not {PyValue.TypeName(item)}"),
        List<object?> l => l.Exists(x => PyValue.Eq(x, item)),
        JinjaDict d => item is string k ? d.ContainsKey(k) : (item is long or bool or double) && d.ContainsKey(PyValue.Str(item)),
        Undefined => false,
        _ => throw new TemplateException($"argument of type '{PyValue.TypeName(container)}' is not iterable"),
    };

    private object? Unary(string op, object? v)
    {
        if (op == "not")
        {
            return !PyValue.Truthy(v);
        }

        return v switch
        {
            Undefined u => throw u.Error(),
            long l => (object)(op == "-" ? checked(-l) : l),
            bool b => op == "-" ? -(b ? 1L : 0L) : (b ? 1L : 0L),
            double d => (object)(op == "-" ? -d : d),
            _ => throw new TemplateException($"bad operand type for unary {op}: '{PyValue.TypeName(v)}'"),
        };
    }

    private object? Binary(string op, object? a, object? b)
    {
        if (op == "~")
        {
            var s = PyValue.Str(a) + PyValue.Str(b);
            return Sized(s, s.Length);
        }

        if (a is Undefined ua)
        {
            throw ua.Error();
        }

        if (b is Undefined ub)
        {
            throw ub.Error();
        }

        try
        {
            return checked(op switch
            {
                "+" => Add(a, b),
                "-" when PyValue.IsNumber(a) && PyValue.IsNumber(b) => Arith(a, b, (x, y) => x - y, (x, y) => x - y),
                "*" => Multiply(a, b),
                "/" when PyValue.IsNumber(a) && PyValue.IsNumber(b) => PyValue.ToDouble(b) == 0
                    ? throw new TemplateException("division by zero")
                    : (object)(PyValue.ToDouble(a) / PyValue.ToDouble(b)),
                "//" when PyValue.IsNumber(a) && PyValue.IsNumber(b) => Arith(a, b, FloorDiv, (x, y) => Math.Floor(x / y)),
                "%" when PyValue.IsNumber(a) && PyValue.IsNumber(b) => Arith(a, b, Mod, (x, y) => x - (y * Math.Floor(x / y))),
                "**" when PyValue.IsNumber(a) && PyValue.IsNumber(b) => Power(a, b),
                _ => throw new TemplateException($"unsupported operand type(s) for {op}: '{PyValue.TypeName(a)}' and '{PyValue.TypeName(b)}'"),
            });
        }
        catch (OverflowException)
        {
            throw new TemplateException($"integer overflow in {op}");
        }
    }

    private static long FloorDiv(long x, long y)
    {
        if (y == 0)
        {
            throw new TemplateException("integer division or modulo by zero");
        }

        var q = x / y;
        return (x % y != 0) && ((x < 0) != (y < 0)) ? q - 1 : q;
    }

    private static long Mod(long x, long y)
    {
        if (y == 0)
        {
            throw new TemplateException("integer division or modulo by zero");
        }

        var r = x % y;
        return r != 0 && ((r < 0) != (y < 0)) ? r + y : r;
    }

    private static object Arith(object? a, object? b, Func<long, long, long> ints, Func<double, double, double> floats) =>
        a is double || b is double ? floats(PyValue.ToDouble(a), PyValue.ToDouble(b)) : (object)ints(PyValue.ToLong(a), PyValue.ToLong(b));

    private object Power(object? a, object? b)
    {
        if (a is double || b is double || PyValue.ToLong(b) < 0)
        {
            return Math.Pow(PyValue.ToDouble(a), PyValue.ToDouble(b));
        }

        long result = 1, x = PyValue.ToLong(a);
        for (var e = PyValue.ToLong(b); e > 0; e--)
        {
            result = checked(result * x);
            if (result == 0 || result == 1)
            {
                break;
            }
        }

        return result;
    }

    private object Add(object? a, object? b)
    {
        if (PyValue.IsNumber(a) && PyValue.IsNumber(b))
        {
            return Arith(a, b, (x, y) => x + y, (x, y) => x + y);
        }

        if (a is string s && b is string t)
        {
            return Sized(s + t, (long)s.Length + t.Length);
        }

        if (a is List<object?> x && b is List<object?> y && a is JinjaTuple == b is JinjaTuple)
        {
            Sized(0, (long)x.Count + y.Count);
            List<object?> joined = [.. x, .. y];
            return a is JinjaTuple ? new JinjaTuple(joined) : joined;
        }

        throw new TemplateException(a is string
            ? $"can only concatenate str (not \"{PyValue.TypeName(b)}\") to str"
            : $"unsupported operand type(s) for +: '{PyValue.TypeName(a)}' and '{PyValue.TypeName(b)}'");
    }

    private object Multiply(object? a, object? b)
    {
        if (PyValue.IsNumber(a) && PyValue.IsNumber(b))
        {
            return Arith(a, b, (x, y) => x * y, (x, y) => x * y);
        }

        if (b is string or List<object?> && a is long or bool)
        {
            (a, b) = (b, a);
        }

        if (b is long or bool)
        {
            var n = Math.Max(0, PyValue.ToLong(b));
            switch (a)
            {
                case string s:
                    Sized(0, s.Length * n);
                    return new StringBuilder(s.Length * (int)n).Insert(0, s, (int)n).ToString();
                case List<object?> l:
                    Sized(0, l.Count * n);
                    var result = new List<object?>();
                    for (var i = 0; i < n; i++)
                    {
                        result.AddRange(l);
                    }

                    return result;
            }
        }

        throw new TemplateException($"unsupported operand type(s) for *: '{PyValue.TypeName(a)}' and '{PyValue.TypeName(b)}'");
    }

    /// <summary>The functions every template sees: range, namespace, dict, raise_exception, strftime_now.</summary>
    private object? Global(string name) => name switch
    {
        "range" => new JinjaFunction("range", (args, _) => Range(args)),
        "namespace" => new JinjaFunction("namespace", (args, kwargs) =>
        {
            var ns = new JinjaNamespace();
            foreach (var a in args)
            {
                foreach (var (k, v) in a as JinjaDict ?? throw new TemplateException("namespace() takes a dict or keyword arguments"))
                {
                    ns.Attributes[k] = v;
                }
            }

            foreach (var (k, v) in kwargs)
            {
                ns.Attributes[k] = v;
            }

            return ns;
        }),
        "dict" => new JinjaFunction("dict", (_, kwargs) =>
        {
            var d = new JinjaDict();
            foreach (var (k, v) in kwargs)
            {
                d[k] = v;
            }

            return d;
        }),
        "raise_exception" => new JinjaFunction("raise_exception", (args, _) =>
            throw new TemplateRaisedException(args.Count > 0 ? PyValue.Str(args[0]) : "the chat template raised an exception")),
        "strftime_now" => new JinjaFunction("strftime_now", (args, _) => Strftime(time.GetLocalNow(), args.Count > 0 ? PyValue.Str(args[0]) : "")),
        _ => null,
    };

    private List<object?> Range(List<object?> args)
    {
        var (start, stop, step) = args.Count switch
        {
            1 => (0L, PyValue.ToLong(args[0]), 1L),
            2 => (PyValue.ToLong(args[0]), PyValue.ToLong(args[1]), 1L),
            3 => (PyValue.ToLong(args[0]), PyValue.ToLong(args[1]), PyValue.ToLong(args[2])),
            _ => throw new TemplateException("range expected 1 to 3 arguments"),
        };
        if (step == 0)
        {
            throw new TemplateException("range() arg 3 must not be zero");
        }

        var count = step > 0 ? (stop - start + step - 1) / step : (start - stop - step - 1) / -step;
        if (count > limits.MaxSteps)
        {
            throw new TemplateLimitException($"range() of {count} items is over the template's limit of {limits.MaxSteps} steps");
        }

        var list = new List<object?>();
        for (var i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            list.Add(i);
        }

        return list;
    }

    /// <summary>Python's strftime for the directives chat templates use (%d %b %Y and the like).</summary>
    internal static string Strftime(DateTimeOffset now, string format)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                sb.Append(format[i]);
                continue;
            }

            var c = format[++i];
            var inv = CultureInfo.InvariantCulture;
            sb.Append(c switch
            {
                'Y' => now.Year.ToString("0000", inv),
                'y' => now.ToString("yy", inv),
                'm' => now.ToString("MM", inv),
                'd' => now.ToString("dd", inv),
                'e' => now.Day.ToString(inv).PadLeft(2),
                'B' => now.ToString("MMMM", inv),
                'b' or 'h' => now.ToString("MMM", inv),
                'A' => now.ToString("dddd", inv),
                'a' => now.ToString("ddd", inv),
                'H' => now.ToString("HH", inv),
                'I' => now.ToString("hh", inv),
                'M' => now.ToString("mm", inv),
                'S' => now.ToString("ss", inv),
                'p' => now.Hour < 12 ? "AM" : "PM",
                'j' => now.DayOfYear.ToString("000", inv),
                'z' => now.ToString("zzz", inv).Replace(":", "", StringComparison.Ordinal),
                'Z' => now.Offset == TimeSpan.Zero ? "UTC" : "",
                '%' => "%",
                _ => "%" + c,
            });
        }

        return sb.ToString();
    }
}
