using System.Text;
using System.Text.Json;

namespace GreenGateway.ModelHost.Serving;

/// <summary>How a model writes a tool call in its answer (the formats of vLLM's tool-call parsers of the same names).</summary>
public enum ToolCallFormat
{
    /// <summary>Answers are never read for tool calls.</summary>
    None,

    /// <summary><c>&lt;tool_call&gt;{"name": ..., "arguments": {...}}&lt;/tool_call&gt;</c>, one block a call (Hermes 2 Pro, Qwen2.5).</summary>
    Hermes,

    /// <summary><c>[TOOL_CALLS] [{"name": ..., "arguments": {...}, "id"?: ...}, ...]</c> (Mistral v0.3, Nemo).</summary>
    Mistral,

    /// <summary>The whole answer is <c>{"name": ..., "parameters": {...}}</c>, several joined by <c>;</c>, optionally after <c>&lt;|python_tag|&gt;</c> (Llama 3.1+).</summary>
    Llama3Json,
}

/// <summary>One function call the model asked for: OpenAI's <c>tool_calls[i]</c>, arguments as a JSON string.</summary>
internal sealed record ToolCall(string Id, string Name, string Arguments);

/// <summary>
/// Reads tool calls out of a chat answer when the request offered <c>tools</c>: the answer's text before the first
/// call stays the message's content (null when empty), the calls become <c>tool_calls</c>, and the finish reason
/// <c>tool_calls</c>. An answer whose call does not parse (cut by max_tokens, or not JSON) is left as plain content,
/// as vLLM's parsers do.
/// </summary>
internal static class ToolCalls
{
    public const string HermesStart = "<tool_call>";
    public const string HermesEnd = "</tool_call>";
    public const string MistralStart = "[TOOL_CALLS]";
    public const string PythonTag = "<|python_tag|>";

    /// <summary>The format a chat template's own tool-call rendering shows, or None (templates without tools).</summary>
    public static ToolCallFormat Detect(string? templateSource)
    {
        if (templateSource is null)
        {
            return ToolCallFormat.None;
        }

        if (templateSource.Contains(HermesStart, StringComparison.Ordinal))
        {
            return ToolCallFormat.Hermes;
        }

        if (templateSource.Contains(MistralStart, StringComparison.Ordinal))
        {
            return ToolCallFormat.Mistral;
        }

        return templateSource.Contains(PythonTag, StringComparison.Ordinal)
            || (templateSource.Contains("\"parameters\"", StringComparison.Ordinal) && templateSource.Contains("ipython", StringComparison.Ordinal))
            ? ToolCallFormat.Llama3Json
            : ToolCallFormat.None;
    }

    /// <summary><c>ModelHost:ToolCallParser</c>'s values: auto (from the template), none, hermes, mistral, llama3_json.</summary>
    public static bool TryParseSetting(string value, out ToolCallFormat? format)
    {
        format = value switch
        {
            "none" => ToolCallFormat.None,
            "hermes" => ToolCallFormat.Hermes,
            "mistral" => ToolCallFormat.Mistral,
            "llama3_json" => ToolCallFormat.Llama3Json,
            _ => null,
        };
        return format is not null || value == "auto";
    }

    /// <summary>The answer's content and calls; no calls (and the whole text as content) when none parse.</summary>
    public static (string? Content, IReadOnlyList<ToolCall> Calls) Extract(string text, ToolCallFormat format)
    {
        var before = "";
        var calls = format switch
        {
            ToolCallFormat.Hermes => Hermes(text, out before),
            ToolCallFormat.Mistral => Mistral(text, out before),
            ToolCallFormat.Llama3Json => Llama3(text),
            _ => null,
        };
        if (calls is not { Count: > 0 })
        {
            return (text, []);
        }

        var content = before.Trim();
        return (content.Length == 0 ? null : content, calls);
    }

    private static List<ToolCall>? Hermes(string text, out string before)
    {
        var start = text.IndexOf(HermesStart, StringComparison.Ordinal);
        before = start < 0 ? text : text[..start];
        if (start < 0)
        {
            return null;
        }

        var calls = new List<ToolCall>();
        while (start >= 0)
        {
            var from = start + HermesStart.Length;
            var end = text.IndexOf(HermesEnd, from, StringComparison.Ordinal);
            var body = end < 0 ? text[from..] : text[from..end];
            if (Call(body, "arguments") is not { } call)
            {
                return null;
            }

            calls.Add(call);
            start = end < 0 ? -1 : text.IndexOf(HermesStart, end + HermesEnd.Length, StringComparison.Ordinal);
        }

        return calls;
    }

    private static List<ToolCall>? Mistral(string text, out string before)
    {
        var start = text.IndexOf(MistralStart, StringComparison.Ordinal);
        before = start < 0 ? text : text[..start];
        if (start < 0)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(text[(start + MistralStart.Length)..]);
            var items = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement.EnumerateArray().ToList() : [doc.RootElement];
            var calls = new List<ToolCall>();
            foreach (var item in items)
            {
                if (Call(item, "arguments") is not { } call)
                {
                    return null;
                }

                calls.Add(call);
            }

            return calls;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static List<ToolCall>? Llama3(string text)
    {
        var body = text.Trim();
        if (body.StartsWith(PythonTag, StringComparison.Ordinal))
        {
            body = body[PythonTag.Length..].Trim();
        }

        if (!body.StartsWith('{'))
        {
            return null;
        }

        var calls = new List<ToolCall>();
        foreach (var part in SplitTopLevel(body, ';'))
        {
            if (Call(part, "parameters") is not { } call)
            {
                return null;
            }

            calls.Add(call);
        }

        return calls;
    }

    private static ToolCall? Call(string json, string argumentsKey)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.Trim());
            return Call(doc.RootElement, argumentsKey);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>{"name": string, argumentsKey or "arguments": object or string, "id"?: string} as a call.</summary>
    private static ToolCall? Call(JsonElement e, string argumentsKey)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
            || name.GetString() is not { Length: > 0 } n)
        {
            return null;
        }

        if (!e.TryGetProperty(argumentsKey, out var args) && !e.TryGetProperty("arguments", out args))
        {
            return null;
        }

        var arguments = args.ValueKind switch
        {
            JsonValueKind.Object => JsonSerializer.Serialize(args),
            JsonValueKind.String => args.GetString()!,
            _ => null,
        };
        if (arguments is null)
        {
            return null;
        }

        var id = e.TryGetProperty("id", out var given) && given.ValueKind == JsonValueKind.String && given.GetString() is { Length: > 0 } g
            ? g
            : "call_" + Guid.NewGuid().ToString("N")[..24];
        return new ToolCall(id, n, arguments);
    }

    /// <summary>Splits at <paramref name="separator"/> outside JSON strings and brackets.</summary>
    private static IEnumerable<string> SplitTopLevel(string text, char separator)
    {
        var depth = 0;
        var inString = false;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (c == '"')
            {
                inString = true;
            }
            else if (c is '{' or '[')
            {
                depth++;
            }
            else if (c is '}' or ']')
            {
                depth--;
            }
            else if (c == separator && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        if (text[start..].Trim().Length > 0)
        {
            yield return text[start..];
        }
    }
}

/// <summary>
/// A streamed answer's text, token by token, for a request that offered tools: content is released as soon as it
/// cannot be the start of a tool call (text that could still become the call's marker is held, as stop strings
/// are), everything from the marker on is held, and <see cref="Finish"/> parses the calls at the end or releases
/// what was held as content when none parse.
/// </summary>
internal sealed class ToolCallScanner(ToolCallFormat format)
{
    private readonly StringBuilder _text = new();
    private int _released;
    private bool _capturing;
    private bool _plainContent;

    /// <summary>
    /// Appends a token's text; returns the content that can be streamed now (possibly empty). Only the text not yet
    /// released is looked at: released text never ends in the start of a marker, so a marker begins after it.
    /// </summary>
    public string Push(string text)
    {
        _text.Append(text);
        if (_capturing)
        {
            return "";
        }

        var pending = _text.ToString(_released, _text.Length - _released);
        var safe = format switch
        {
            ToolCallFormat.Hermes => SafeBefore(pending, ToolCalls.HermesStart),
            ToolCallFormat.Mistral => SafeBefore(pending, ToolCalls.MistralStart),
            ToolCallFormat.Llama3Json => Llama3Safe(pending),
            _ => pending.Length,
        };
        if (safe > 0 && char.IsHighSurrogate(pending[safe - 1]))
        {
            safe--; // never split a surrogate pair
        }

        _released += safe;
        return pending[..safe];
    }

    /// <summary>At the end: content still to stream, and the calls (none: the held text came back as content).</summary>
    public (string Content, IReadOnlyList<ToolCall> Calls) Finish()
    {
        var all = _text.ToString();
        var (_, calls) = ToolCalls.Extract(all, format);
        var rest = calls.Count > 0 ? "" : all[_released..];
        _released = all.Length;
        return (rest, calls);
    }

    /// <summary>How much of the text is certainly content: up to the marker, or up to a suffix that may begin it.</summary>
    private int SafeBefore(string pending, string marker)
    {
        var at = pending.IndexOf(marker, StringComparison.Ordinal);
        if (at >= 0)
        {
            _capturing = true;
            return at;
        }

        for (var keep = Math.Min(marker.Length - 1, pending.Length); keep > 0; keep--)
        {
            if (pending.AsSpan(pending.Length - keep).SequenceEqual(marker.AsSpan(0, keep)))
            {
                return pending.Length - keep;
            }
        }

        return pending.Length;
    }

    /// <summary>
    /// Llama 3: a call is the whole answer, so the first non-blank text decides (a brace or the python tag); until
    /// then nothing is released, so <paramref name="pending"/> is the whole answer.
    /// </summary>
    private int Llama3Safe(string pending)
    {
        if (_plainContent)
        {
            return pending.Length;
        }

        var body = pending.TrimStart();
        if (body.Length == 0)
        {
            return 0;
        }

        if (body.StartsWith('{') || body.StartsWith(ToolCalls.PythonTag, StringComparison.Ordinal))
        {
            _capturing = true;
            return 0;
        }

        if (ToolCalls.PythonTag.StartsWith(body, StringComparison.Ordinal))
        {
            return 0;
        }

        _plainContent = true;
        return pending.Length;
    }
}
