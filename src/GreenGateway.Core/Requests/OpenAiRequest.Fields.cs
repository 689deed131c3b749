using System.Text.Json;
using System.Text.Json.Nodes;

namespace GreenGateway.Core.Requests;

public sealed partial class OpenAiRequest
{
    private static bool TryString(JsonObject body, string name, bool required, out string? value, out RequestError? error)
    {
        value = null;
        error = null;
        var node = body[name];
        if (node is null || node.GetValueKind() == JsonValueKind.Null)
        {
            if (required)
            {
                error = RequestError.Invalid($"'{name}' is a required property.", name, "missing_required_parameter");
                return false;
            }

            return true;
        }

        if (node.GetValueKind() != JsonValueKind.String || node.GetValue<string>() is not { Length: > 0 } text)
        {
            error = RequestError.Invalid($"'{name}' must be a non-empty string.", name, "invalid_type");
            return false;
        }

        value = text;
        return true;
    }

    private static bool TryBool(JsonObject body, string name, out bool? value, out RequestError? error)
    {
        value = null;
        error = null;
        switch (body[name]?.GetValueKind())
        {
            case null or JsonValueKind.Null:
                return true;
            case JsonValueKind.True:
                value = true;
                return true;
            case JsonValueKind.False:
                value = false;
                return true;
            default:
                error = RequestError.Invalid($"'{name}' must be a boolean.", name, "invalid_type");
                return false;
        }
    }

    private static bool TryInt(JsonObject body, string name, out int? value, out RequestError? error)
    {
        value = null;
        error = null;
        var node = body[name];
        if (node is null || node.GetValueKind() == JsonValueKind.Null)
        {
            return true;
        }

        if (node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue<int>(out var number) || number < 0)
        {
            error = RequestError.Invalid($"'{name}' must be a non-negative integer.", name, "invalid_type");
            return false;
        }

        value = number;
        return true;
    }

    private static bool TryNumber(JsonObject body, string name, out double? value, out RequestError? error)
    {
        value = null;
        error = null;
        var node = body[name];
        if (node is null || node.GetValueKind() == JsonValueKind.Null)
        {
            return true;
        }

        if (node.GetValueKind() != JsonValueKind.Number)
        {
            error = RequestError.Invalid($"'{name}' must be a number.", name, "invalid_type");
            return false;
        }

        value = node.GetValue<double>();
        return true;
    }
}
