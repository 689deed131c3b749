using System.Globalization;
using System.Text;
using System.Text.Json;

namespace GreenGateway.Inference.Tokenization.Jinja;

// Values are plain CLR objects with Python's meaning: null is None, bool, long (int), double (float), string,
// List<object?> (list or tuple), JinjaDict (dict, insertion-ordered), plus the types below.

/// <summary>A Python dict: string keys in insertion order.</summary>
internal sealed class JinjaDict : OrderedDictionary<string, object?>
{
    public JinjaDict()
        : base(StringComparer.Ordinal)
    {
    }
}

/// <summary>A Python tuple (what <c>(a, b)</c>, <c>|items</c> and <c>.items()</c> give): a list that renders with parentheses.</summary>
internal sealed class JinjaTuple : List<object?>
{
    public JinjaTuple(IEnumerable<object?> items)
        : base(items)
    {
    }
}

/// <summary>Jinja's default Undefined: falsy, renders empty, iterates as empty; using its attributes fails.</summary>
internal sealed class Undefined(string hint)
{
    /// <summary>The error it raises when used, in Jinja's words ("'x' is undefined").</summary>
    public string Hint { get; } = hint;

    public TemplateException Error() => new(Hint);
}

/// <summary>The object <c>namespace()</c> returns: attributes assignable from inside loops.</summary>
internal sealed class JinjaNamespace
{
    public JinjaDict Attributes { get; } = [];
}

/// <summary>A callable: a global (range, namespace, raise_exception), a bound method or a macro.</summary>
internal sealed class JinjaFunction(string name, Func<List<object?>, Dictionary<string, object?>, object?> call)
{
    public string Name { get; } = name;

    public object? Invoke(List<object?> args, Dictionary<string, object?> kwargs) => call(args, kwargs);
}

/// <summary>The <c>loop</c> variable inside a for loop.</summary>
internal sealed class LoopInfo(List<object?> items)
{
    public int Index0 { get; set; }

    public object? Get(string name) => name switch
    {
        "index" => (long)Index0 + 1,
        "index0" => (long)Index0,
        "revindex" => (long)(items.Count - Index0),
        "revindex0" => (long)(items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == items.Count - 1,
        "length" => (long)items.Count,
        "previtem" => Index0 > 0 ? items[Index0 - 1] : new Undefined("there is no previous item"),
        "nextitem" => Index0 + 1 < items.Count ? items[Index0 + 1] : new Undefined("there is no next item"),
        "cycle" => new JinjaFunction("cycle", (args, _) => args.Count == 0
            ? throw new TemplateException("no items for cycling given")
            : args[Index0 % args.Count]),
        _ => new Undefined($"'LoopContext object' has no attribute '{name}'"),
    };
}

/// <summary>Python semantics of values: truth, str(), repr(), equality, ordering, and JSON as json.dumps writes it.</summary>
internal static class PyValue
{
    public static bool Truthy(object? v) => v switch
    {
        null => false,
        Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> l => l.Count > 0,
        JinjaDict d => d.Count > 0,
        _ => true,
    };

    public static string TypeName(object? v) => v switch
    {
        null => "NoneType",
        Undefined => "Undefined",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        JinjaDict => "dict",
        JinjaNamespace => "Namespace",
        LoopInfo => "LoopContext",
        JinjaFunction => "function",
        _ => v.GetType().Name,
    };

    /// <summary>Python's str(v), as <c>{{ v }}</c> renders it (Undefined renders empty).</summary>
    public static string Str(object? v) => v switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(v),
    };

    public static string Repr(object? v)
    {
        var sb = new StringBuilder();
        AppendRepr(sb, v);
        return sb.ToString();
    }

    private static void AppendRepr(StringBuilder sb, object? v)
    {
        switch (v)
        {
            case null:
                sb.Append("None");
                break;
            case Undefined:
                break;
            case bool b:
                sb.Append(b ? "True" : "False");
                break;
            case long l:
                sb.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                sb.Append(FloatRepr(d));
                break;
            case string s:
                AppendStringRepr(sb, s);
                break;
            case List<object?> list:
                var tuple = list is JinjaTuple;
                sb.Append(tuple ? '(' : '[');
                for (var i = 0; i < list.Count; i++)
                {
                    sb.Append(i > 0 ? ", " : "");
                    AppendRepr(sb, list[i]);
                }

                sb.Append(tuple && list.Count == 1 ? "," : "").Append(tuple ? ')' : ']');
                break;
            case JinjaDict dict:
                sb.Append('{');
                var first = true;
                foreach (var (k, value) in dict)
                {
                    sb.Append(first ? "" : ", ");
                    first = false;
                    AppendStringRepr(sb, k);
                    sb.Append(": ");
                    AppendRepr(sb, value);
                }

                sb.Append('}');
                break;
            case JinjaNamespace ns:
                sb.Append("<Namespace ");
                AppendRepr(sb, ns.Attributes);
                sb.Append('>');
                break;
            case JinjaFunction f:
                sb.Append("<function ").Append(f.Name).Append('>');
                break;
            default:
                sb.Append('<').Append(TypeName(v)).Append('>');
                break;
        }
    }

    private static void AppendStringRepr(StringBuilder sb, string s)
    {
        var quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        sb.Append(quote);
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                default:
                    if (c == quote)
                    {
                        sb.Append('\\').Append(c);
                    }
                    else if (c < 0x20 || c == 0x7f)
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append(quote);
    }

    /// <summary>Python's repr of a float: the shortest round-trip digits, fixed notation for exponents -4..15.</summary>
    public static string FloatRepr(double d)
    {
        if (double.IsNaN(d))
        {
            return "nan";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "inf" : "-inf";
        }

        if (d == 0)
        {
            return double.IsNegative(d) ? "-0.0" : "0.0";
        }

        var r = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        var e = r.IndexOf('E', StringComparison.Ordinal);
        var mantissa = e < 0 ? r : r[..e];
        var exponent = e < 0 ? 0 : int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        var point = (dot < 0 ? mantissa.Length : dot) + exponent;
        var lead = digits.Length - digits.TrimStart('0').Length;
        digits = digits.TrimStart('0');
        point -= lead;
        digits = digits.TrimEnd('0');
        var sign = d < 0 ? "-" : "";
        var exp10 = point - 1;
        if (exp10 is < -4 or >= 16)
        {
            var m = digits.Length > 1 ? digits[0] + "." + digits[1..] : digits;
            return $"{sign}{m}e{(exp10 < 0 ? '-' : '+')}{Math.Abs(exp10):00}";
        }

        if (point <= 0)
        {
            return sign + "0." + new string('0', -point) + digits;
        }

        return point >= digits.Length
            ? sign + digits + new string('0', point - digits.Length) + ".0"
            : sign + digits[..point] + "." + digits[point..];
    }

    public static bool IsNumber(object? v) => v is long or double or bool;

    public static double ToDouble(object? v) => v switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new TemplateException($"'{TypeName(v)}' is not a number"),
    };

    public static bool Eq(object? a, object? b)
    {
        if (a is Undefined || b is Undefined)
        {
            return a is Undefined && b is Undefined;
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return a is double || b is double ? ToDouble(a) == ToDouble(b) : ToLong(a) == ToLong(b);
        }

        switch (a)
        {
            case null:
                return b is null;
            case string s:
                return b is string t && s == t;
            case List<object?> x when b is List<object?> y:
                if (x.Count != y.Count)
                {
                    return false;
                }

                for (var i = 0; i < x.Count; i++)
                {
                    if (!Eq(x[i], y[i]))
                    {
                        return false;
                    }
                }

                return true;
            case JinjaDict x when b is JinjaDict y:
                if (x.Count != y.Count)
                {
                    return false;
                }

                foreach (var (k, v) in x)
                {
                    if (!y.TryGetValue(k, out var w) || !Eq(v, w))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return ReferenceEquals(a, b);
        }
    }

    public static long ToLong(object? v) => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new TemplateException($"'{TypeName(v)}' is not an integer"),
    };

    /// <summary>Python's ordering (numbers, strings, lists); other pairs are a TypeError.</summary>
    public static int Compare(object? a, object? b, string op)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            return a is double || b is double ? ToDouble(a).CompareTo(ToDouble(b)) : ToLong(a).CompareTo(ToLong(b));
        }

        if (a is string s && b is string t)
        {
            return string.CompareOrdinal(s, t);
        }

        if (a is List<object?> x && b is List<object?> y)
        {
            for (var i = 0; i < Math.Min(x.Count, y.Count); i++)
            {
                if (!Eq(x[i], y[i]))
                {
                    return Compare(x[i], y[i], op);
                }
            }

            return x.Count.CompareTo(y.Count);
        }

        throw new TemplateException($"'{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    /// <summary>Python's json.dumps(v, ensure_ascii=False, indent=indent, sort_keys=sortKeys), transformers' tojson.</summary>
    public static string ToJson(object? v, int? indent, bool sortKeys, string? itemSeparator = null, string? keySeparator = null)
    {
        var sb = new StringBuilder();
        WriteJson(sb, v, indent, sortKeys, itemSeparator ?? (indent is null ? ", " : ","), keySeparator ?? ": ", 0);
        return sb.ToString();
    }

    private static void WriteJson(StringBuilder sb, object? v, int? indent, bool sortKeys, string itemSep, string keySep, int level)
    {
        switch (v)
        {
            case null:
                sb.Append("null");
                break;
            case bool b:
                sb.Append(b ? "true" : "false");
                break;
            case long l:
                sb.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : FloatRepr(d));
                break;
            case string s:
                WriteJsonString(sb, s);
                break;
            case List<object?> list:
                if (list.Count == 0)
                {
                    sb.Append("[]");
                    break;
                }

                sb.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    sb.Append(i > 0 ? itemSep : "");
                    NewLine(sb, indent, level + 1);
                    WriteJson(sb, list[i], indent, sortKeys, itemSep, keySep, level + 1);
                }

                NewLine(sb, indent, level);
                sb.Append(']');
                break;
            case JinjaDict dict:
                if (dict.Count == 0)
                {
                    sb.Append("{}");
                    break;
                }

                sb.Append('{');
                var keys = dict.Keys.ToList();
                if (sortKeys)
                {
                    keys.Sort(StringComparer.Ordinal);
                }

                for (var i = 0; i < keys.Count; i++)
                {
                    sb.Append(i > 0 ? itemSep : "");
                    NewLine(sb, indent, level + 1);
                    WriteJsonString(sb, keys[i]);
                    sb.Append(keySep);
                    WriteJson(sb, dict[keys[i]], indent, sortKeys, itemSep, keySep, level + 1);
                }

                NewLine(sb, indent, level);
                sb.Append('}');
                break;
            default:
                throw new TemplateException($"Object of type {TypeName(v)} is not JSON serializable");
        }
    }

    private static void NewLine(StringBuilder sb, int? indent, int level)
    {
        if (indent is { } n)
        {
            sb.Append('\n').Append(' ', n * level);
        }
    }

    private static void WriteJsonString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append(@"\\"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                case '\b': sb.Append(@"\b"); break;
                case '\f': sb.Append(@"\f"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }

    /// <summary>A JSON value as the template sees it after Python's json.loads (integers stay ints).</summary>
    public static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out var l) && !e.GetRawText().Contains('.', StringComparison.Ordinal)
            && !e.GetRawText().Contains('e', StringComparison.OrdinalIgnoreCase) ? l : (object)e.GetDouble(),
        JsonValueKind.Array => e.EnumerateArray().Select(FromJson).ToList(),
        _ => ObjectFromJson(e),
    };

    private static JinjaDict ObjectFromJson(JsonElement e)
    {
        var d = new JinjaDict();
        foreach (var p in e.EnumerateObject())
        {
            d[p.Name] = FromJson(p.Value);
        }

        return d;
    }

    /// <summary>Python's len(): code points of a string, items of a list or dict.</summary>
    public static long Length(object? v) => v switch
    {
        string s => s.Length - s.Count(char.IsLowSurrogate),
        List<object?> l => l.Count,
        JinjaDict d => d.Count,
        Undefined => 0,
        _ => throw new TemplateException($"object of type '{TypeName(v)}' has no len()"),
    };
}
