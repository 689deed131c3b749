using System.Globalization;
using System.Net;
using System.Text;

namespace GreenGateway.Inference.Tokenization.Jinja;

/// <summary>Jinja's filters and tests, and the Python str/dict methods chat templates call.</summary>
internal sealed partial class JinjaInterpreter
{
    private static object? Arg(List<object?> args, Dictionary<string, object?> kwargs, int index, string name, object? fallback) =>
        index >= 0 && index < args.Count ? args[index] : kwargs.TryGetValue(name, out var v) ? v : fallback;

    private object? ApplyFilter(string name, object? value, List<object?> args, Dictionary<string, object?> kwargs)
    {
        // As in Jinja, an Undefined value is a filter's empty string or empty sequence; filters that need a real
        // value (tojson, abs) fail on it by themselves.
        switch (name)
        {
            case "default" or "d":
                var boolean = PyValue.Truthy(Arg(args, kwargs, 1, "boolean", false));
                return value is Undefined || (boolean && !PyValue.Truthy(value)) ? Arg(args, kwargs, 0, "default_value", "") : value;
            case "length" or "count":
                return PyValue.Length(value);
            case "string":
                return PyValue.Str(value);
            case "trim":
                var chars = Arg(args, kwargs, 0, "chars", null);
                return chars is string cs ? PyValue.Str(value).Trim(cs.ToCharArray()) : PyValue.Str(value).Trim();
            case "upper":
                return PyValue.Str(value).ToUpperInvariant();
            case "lower":
                return PyValue.Str(value).ToLowerInvariant();
            case "capitalize":
                return Capitalize(PyValue.Str(value));
            case "title":
                return Title(PyValue.Str(value));
            case "replace":
                return Replace(PyValue.Str(value), PyValue.Str(Arg(args, kwargs, 0, "old", "")), PyValue.Str(Arg(args, kwargs, 1, "new", "")), Arg(args, kwargs, 2, "count", null));
            case "tojson":
                var indent = Arg(args, kwargs, 0, "indent", null);
                var separators = Arg(args, kwargs, -1, "separators", null) as List<object?>;
                return PyValue.ToJson(value, indent is null ? null : (int)PyValue.ToLong(indent), PyValue.Truthy(Arg(args, kwargs, -1, "sort_keys", false)),
                    separators is { Count: 2 } ? PyValue.Str(separators[0]) : null, separators is { Count: 2 } ? PyValue.Str(separators[1]) : null);
            case "join":
                var attribute = Arg(args, kwargs, 1, "attribute", null);
                var parts = Iterate(value).Select(x => PyValue.Str(attribute is null ? x : GetPath(x, attribute)));
                return string.Join(PyValue.Str(Arg(args, kwargs, 0, "d", "")), parts);
            case "first":
                var all = Iterate(value);
                return all.Count > 0 ? all[0] : new Undefined("No first item, sequence was empty.");
            case "last":
                var list = Iterate(value);
                return list.Count > 0 ? list[^1] : new Undefined("No last item, sequence was empty.");
            case "list":
                return Iterate(value);
            case "items":
                return value is Undefined ? new List<object?>()
                    : value is JinjaDict dict ? dict.Select(p => (object?)new JinjaTuple([p.Key, p.Value])).ToList()
                    : throw new TemplateException($"Can only get item pairs from a mapping, not '{PyValue.TypeName(value)}'");
            case "dictsort":
                return value is JinjaDict ds
                    ? ds.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase).Select(p => (object?)new JinjaTuple([p.Key, p.Value])).ToList()
                    : throw new TemplateException("dictsort needs a mapping");
            case "int":
                return ToInt(value, Arg(args, kwargs, 0, "default", 0L));
            case "float":
                return ToFloat(value, Arg(args, kwargs, 0, "default", 0.0));
            case "abs":
                return value is double d ? Math.Abs(d) : (object)Math.Abs(PyValue.ToLong(value));
            case "round":
                var precision = (int)PyValue.ToLong(Arg(args, kwargs, 0, "precision", 0L));
                return Math.Round(PyValue.ToDouble(value), precision, MidpointRounding.AwayFromZero);
            case "reverse":
                return value is string rs ? new string(rs.Reverse().ToArray()) : Enumerable.Reverse(Iterate(value)).ToList();
            case "sum":
                return Iterate(value).Aggregate((object?)0L, (acc, x) => Binary("+", acc, x));
            case "min" or "max":
                var seq = Iterate(value);
                return seq.Count == 0 ? new Undefined($"No {name} item, sequence was empty.")
                    : seq.Aggregate((x, y) => PyValue.Compare(x, y, "<") <= 0 == (name == "min") ? x : y);
            case "unique":
                var seen = new List<object?>();
                foreach (var x in Iterate(value))
                {
                    if (!seen.Exists(y => PyValue.Eq(x, y)))
                    {
                        seen.Add(x);
                    }
                }

                return seen;
            case "sort":
                var byAttribute = Arg(args, kwargs, 2, "attribute", null);
                var sorted = Iterate(value);
                sorted.Sort((x, y) => PyValue.Compare(byAttribute is null ? x : GetPath(x, byAttribute), byAttribute is null ? y : GetPath(y, byAttribute), "<"));
                if (PyValue.Truthy(Arg(args, kwargs, 0, "reverse", false)))
                {
                    sorted.Reverse();
                }

                return sorted;
            case "selectattr" or "rejectattr":
                return Select(value, args, byAttribute: true, keep: name == "selectattr");
            case "select" or "reject":
                return Select(value, args, byAttribute: false, keep: name == "select");
            case "map":
                return Map(value, args, kwargs);
            case "indent":
                return Indent(PyValue.Str(value), Arg(args, kwargs, 0, "width", 4L), PyValue.Truthy(Arg(args, kwargs, 1, "first", false)), PyValue.Truthy(Arg(args, kwargs, 2, "blank", false)));
            case "safe":
                return value;
            case "e" or "escape":
                return WebUtility.HtmlEncode(PyValue.Str(value));
            case "wordcount":
                return (long)PyValue.Str(value).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            case "center":
                var width = (int)PyValue.ToLong(Arg(args, kwargs, 0, "width", 80L));
                var text = PyValue.Str(value);
                var pad = Math.Max(0, width - text.Length);
                var leftPad = (pad / 2) + (pad & width & 1);
                return new string(' ', leftPad) + text + new string(' ', pad - leftPad);
            default:
                throw new TemplateException($"no filter named '{name}'");
        }
    }

    private List<object?> Select(object? value, List<object?> args, bool byAttribute, bool keep)
    {
        var offset = byAttribute ? 1 : 0;
        var attribute = byAttribute ? args.ElementAtOrDefault(0) : null;
        var test = args.Count > offset ? PyValue.Str(args[offset]) : null;
        var testArgs = args.Skip(offset + 1).ToList();
        var result = new List<object?>();
        foreach (var item in Iterate(value))
        {
            var subject = byAttribute ? GetPath(item, attribute) : item;
            var passed = test is null ? PyValue.Truthy(subject) : ApplyTest(test, subject, testArgs);
            if (passed == keep)
            {
                result.Add(item);
            }
        }

        return result;
    }

    private List<object?> Map(object? value, List<object?> args, Dictionary<string, object?> kwargs)
    {
        var items = Iterate(value);
        if (kwargs.TryGetValue("attribute", out var attribute))
        {
            var hasDefault = kwargs.TryGetValue("default", out var fallback);
            return items.Select(x => GetPath(x, attribute) is Undefined u && hasDefault ? fallback : GetPath(x, attribute)).ToList();
        }

        if (args.Count == 0)
        {
            throw new TemplateException("map needs a filter name or attribute=");
        }

        var filter = PyValue.Str(args[0]);
        var rest = args.Skip(1).ToList();
        return items.Select(x => ApplyFilter(filter, x, rest, kwargs)).ToList();
    }

    /// <summary>An attribute path as selectattr/map/join take it: "function.name" or an index.</summary>
    private static object? GetPath(object? item, object? path)
    {
        if (path is long or bool)
        {
            return GetItem(item, path);
        }

        foreach (var part in PyValue.Str(path).Split('.'))
        {
            item = long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? GetItem(item, index) : GetItem(item, part);
        }

        return item;
    }

    private bool ApplyTest(string name, object? value, List<object?> args)
    {
        object? A(int i) => i < args.Count ? args[i] : throw new TemplateException($"test '{name}' needs an argument");
        return name switch
        {
            "defined" => value is not Undefined,
            "undefined" => value is Undefined,
            "none" => value is null,
            "string" => value is string,
            "mapping" => value is JinjaDict,
            "iterable" => value is string or List<object?> or JinjaDict or Undefined,
            "sequence" => value is string or List<object?> or JinjaDict,
            "number" => value is long or double,
            "integer" => value is long,
            "float" => value is double,
            "boolean" => value is bool,
            "true" => value is true,
            "false" => value is false,
            "callable" => value is JinjaFunction,
            "odd" => PyValue.ToLong(value) % 2 != 0,
            "even" => PyValue.ToLong(value) % 2 == 0,
            "divisibleby" => PyValue.ToLong(value) % PyValue.ToLong(A(0)) == 0,
            "lower" => value is string ls && ls == ls.ToLowerInvariant(),
            "upper" => value is string us && us == us.ToUpperInvariant(),
            "eq" or "equalto" or "==" => PyValue.Eq(value, A(0)),
            "ne" or "!=" => !PyValue.Eq(value, A(0)),
            "lt" or "lessthan" or "<" => PyValue.Compare(value, A(0), "<") < 0,
            "le" or "<=" => PyValue.Compare(value, A(0), "<=") <= 0,
            "gt" or "greaterthan" or ">" => PyValue.Compare(value, A(0), ">") > 0,
            "ge" or ">=" => PyValue.Compare(value, A(0), ">=") >= 0,
            "in" => Contains(A(0), value),
            "sameas" => ReferenceEquals(value, A(0)) || (value is null && A(0) is null) || (value is bool b && A(0) is bool c && b == c),
            _ => throw new TemplateException($"no test named '{name}'"),
        };
    }

    /// <summary>A bound method of a string, dict or list, or null when the value has no method of that name.</summary>
    private static JinjaFunction? Method(object? target, string name)
    {
        switch (target)
        {
            case string s:
                return StringMethod(s, name);
            case JinjaDict d:
                return name switch
                {
                    "items" => new JinjaFunction(name, (_, _) => d.Select(p => (object?)new JinjaTuple([p.Key, p.Value])).ToList()),
                    "keys" => new JinjaFunction(name, (_, _) => d.Keys.Cast<object?>().ToList()),
                    "values" => new JinjaFunction(name, (_, _) => d.Values.ToList()),
                    "get" => new JinjaFunction(name, (args, _) => args.Count > 0 && args[0] is string k && d.TryGetValue(k, out var v) ? v : args.ElementAtOrDefault(1)),
                    "copy" => new JinjaFunction(name, (_, _) => Copy(d)),
                    "pop" or "popitem" or "update" or "setdefault" or "clear" => Unsafe("dict", name),
                    _ => null,
                };
            case List<object?> l:
                return name switch
                {
                    "index" => new JinjaFunction(name, (args, _) => l.FindIndex(x => PyValue.Eq(x, args.ElementAtOrDefault(0))) is var i and >= 0
                        ? (long)i : throw new TemplateException("value is not in list")),
                    "count" => new JinjaFunction(name, (args, _) => (long)l.Count(x => PyValue.Eq(x, args.ElementAtOrDefault(0)))),
                    "append" or "extend" or "insert" or "pop" or "remove" or "sort" or "reverse" or "clear" => Unsafe("list", name),
                    _ => null,
                };
            default:
                return null;
        }
    }

    private static JinjaDict Copy(JinjaDict d)
    {
        var copy = new JinjaDict();
        foreach (var (k, v) in d)
        {
            copy[k] = v;
        }

        return copy;
    }

    /// <summary>transformers renders in an immutable sandbox: methods that change a list or dict are refused.</summary>
    private static JinjaFunction Unsafe(string type, string name) =>
        new(name, (_, _) => throw new TemplateException($"access to the mutating method {type}.{name} is unsafe in an immutable sandbox"));

    private static JinjaFunction? StringMethod(string s, string name)
    {
        static string? Chars(List<object?> args) => args.Count > 0 && args[0] is string c ? c : null;
        return name switch
        {
            "strip" => new JinjaFunction(name, (args, _) => Chars(args) is { } c ? s.Trim(c.ToCharArray()) : s.Trim()),
            "lstrip" => new JinjaFunction(name, (args, _) => Chars(args) is { } c ? s.TrimStart(c.ToCharArray()) : s.TrimStart()),
            "rstrip" => new JinjaFunction(name, (args, _) => Chars(args) is { } c ? s.TrimEnd(c.ToCharArray()) : s.TrimEnd()),
            "upper" => new JinjaFunction(name, (_, _) => s.ToUpperInvariant()),
            "lower" => new JinjaFunction(name, (_, _) => s.ToLowerInvariant()),
            "title" => new JinjaFunction(name, (_, _) => Title(s)),
            "capitalize" => new JinjaFunction(name, (_, _) => Capitalize(s)),
            "split" => new JinjaFunction(name, (args, kwargs) => Split(s, Arg(args, kwargs, 0, "sep", null), Arg(args, kwargs, 1, "maxsplit", -1L))),
            "splitlines" => new JinjaFunction(name, (_, _) => s.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n').Cast<object?>().ToList()),
            "startswith" => new JinjaFunction(name, (args, _) => Affixes(args).Any(p => s.StartsWith(p, StringComparison.Ordinal))),
            "endswith" => new JinjaFunction(name, (args, _) => Affixes(args).Any(p => s.EndsWith(p, StringComparison.Ordinal))),
            "replace" => new JinjaFunction(name, (args, _) => Replace(s, PyValue.Str(args.ElementAtOrDefault(0)), PyValue.Str(args.ElementAtOrDefault(1)), args.ElementAtOrDefault(2))),
            "find" => new JinjaFunction(name, (args, _) => (long)s.IndexOf(PyValue.Str(args.ElementAtOrDefault(0)), StringComparison.Ordinal)),
            "count" => new JinjaFunction(name, (args, _) => (long)Count(s, PyValue.Str(args.ElementAtOrDefault(0)))),
            "join" => new JinjaFunction(name, (args, _) => string.Join(s, ((args.ElementAtOrDefault(0) as List<object?>) ?? []).Select(PyValue.Str))),
            "isdigit" => new JinjaFunction(name, (_, _) => s.Length > 0 && s.All(char.IsDigit)),
            "isspace" => new JinjaFunction(name, (_, _) => s.Length > 0 && s.All(char.IsWhiteSpace)),
            _ => null,
        };
    }

    private static IEnumerable<string> Affixes(List<object?> args) => args.ElementAtOrDefault(0) switch
    {
        string p => [p],
        List<object?> l => l.Select(PyValue.Str),
        var other => throw new TemplateException($"startswith/endswith first arg must be str or a tuple of str, not {PyValue.TypeName(other)}"),
    };

    private static int Count(string s, string sub)
    {
        if (sub.Length == 0)
        {
            return s.Length + 1;
        }

        var n = 0;
        for (var i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    private static List<object?> Split(string s, object? separator, object? maxSplit)
    {
        var max = maxSplit is null ? -1 : PyValue.ToLong(maxSplit);
        if (separator is null)
        {
            // Python's split(): runs of whitespace, no empty parts.
            var parts = new List<object?>();
            var i = 0;
            while (true)
            {
                while (i < s.Length && char.IsWhiteSpace(s[i]))
                {
                    i++;
                }

                if (i >= s.Length)
                {
                    return parts;
                }

                if (max >= 0 && parts.Count == max)
                {
                    parts.Add(s[i..].TrimEnd());
                    return parts;
                }

                var j = i;
                while (j < s.Length && !char.IsWhiteSpace(s[j]))
                {
                    j++;
                }

                parts.Add(s[i..j]);
                i = j;
            }
        }

        var sep = PyValue.Str(separator);
        if (sep.Length == 0)
        {
            throw new TemplateException("empty separator");
        }

        var pieces = max < 0 ? s.Split(sep) : s.Split(sep, (int)Math.Min(max + 1, int.MaxValue));
        return pieces.Cast<object?>().ToList();
    }

    private static string Replace(string s, string old, string replacement, object? count)
    {
        var max = count is null ? -1 : PyValue.ToLong(count);
        if (max < 0)
        {
            return old.Length == 0 ? string.Concat(s.Select(c => replacement + c)) + replacement : s.Replace(old, replacement, StringComparison.Ordinal);
        }

        var sb = new StringBuilder();
        var pos = 0;
        for (var n = 0; n < max; n++)
        {
            var i = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (i < 0 || old.Length == 0)
            {
                break;
            }

            sb.Append(s, pos, i - pos).Append(replacement);
            pos = i + old.Length;
        }

        return sb.Append(s, pos, s.Length - pos).ToString();
    }

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    /// <summary>Jinja's title filter: each word (after a space, '-', or an opening bracket) capitalized.</summary>
    private static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        var start = true;
        foreach (var c in s)
        {
            sb.Append(start ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            start = char.IsWhiteSpace(c) || c is '-' or '(' or '{' or '[' or '<';
        }

        return sb.ToString();
    }

    private static string Indent(string s, object? width, bool first, bool blank)
    {
        var pad = width is string w ? w : new string(' ', (int)PyValue.ToLong(width));
        var lines = s.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if ((i > 0 || first) && (blank || lines[i].Trim().Length > 0))
            {
                lines[i] = pad + lines[i];
            }
        }

        return string.Join('\n', lines);
    }

    private static object? ToInt(object? value, object? fallback) => value switch
    {
        long l => l,
        bool b => b ? 1L : 0L,
        double d => double.IsFinite(d) ? (long)Math.Truncate(d) : fallback,
        string s when long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) => (long)Math.Truncate(d),
        _ => fallback,
    };

    private static object? ToFloat(object? value, object? fallback) => value switch
    {
        long or bool or double => PyValue.ToDouble(value),
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => fallback,
    };
}
