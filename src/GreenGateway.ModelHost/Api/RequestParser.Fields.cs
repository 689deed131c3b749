using System.Text;
using System.Text.Json;

namespace GreenGateway.ModelHost.Api;

internal static partial class RequestParser
{
    // Content is a string or a list of parts; only text parts are understood.
    private static string? Content(JsonElement c)
    {
        if (c.ValueKind == JsonValueKind.String)
        {
            return c.GetString();
        }

        if (c.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var sb = new StringBuilder();
        foreach (var part in c.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            sb.Append(t.GetString());
        }

        return sb.ToString();
    }

    private static string? Str(JsonElement o, string name, List<(string, string)> errors) =>
        !o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString() : Fail<string>(name, "a string", errors);

    private static int? Int(JsonElement o, string name, List<(string, string)> errors) =>
        !o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : FailStruct<int>(name, "an integer", errors);

    private static float? Float(JsonElement o, string name, List<(string, string)> errors) =>
        !o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.Number ? v.GetSingle() : FailStruct<float>(name, "a number", errors);

    private static bool Bool(JsonElement o, string name, List<(string, string)> errors) =>
        o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
        && (v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : FailStruct<bool>(name, "a boolean", errors) ?? false);

    private static T? Fail<T>(string name, string what, List<(string, string)> errors)
        where T : class
    {
        errors.Add(($"{name} must be {what}", name));
        return null;
    }

    private static T? FailStruct<T>(string name, string what, List<(string, string)> errors)
        where T : struct
    {
        errors.Add(($"{name} must be {what}", name));
        return null;
    }
}
