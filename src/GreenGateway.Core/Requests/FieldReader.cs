using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GreenGateway.Core.Requests;

/// <summary>
/// Reads typed fields of one JSON object, keeping the first error (with the field's full path as <c>param</c>), so that
/// a parser reads as a list of fields. Absent and <c>null</c> are the same. Once an error is kept, reads return null.
/// </summary>
internal sealed class FieldReader(JsonObject body, string? path = null, FieldReader? root = null)
{
    private readonly FieldReader? _root = root;
    private RequestError? _error;

    public JsonObject Body { get; } = body;

    public RequestError? Error => _root is null ? _error : _root.Error;

    /// <summary>A reader of <paramref name="nested"/> (at <paramref name="nestedPath"/>) that reports into this one's error.</summary>
    public FieldReader Nested(JsonObject nested, string nestedPath) => new(nested, nestedPath, _root ?? this);

    public void Fail(RequestError error)
    {
        if (_root is not null)
        {
            _root.Fail(error);
            return;
        }

        _error ??= error;
    }

    public string? RequiredString(string name)
    {
        if (Get(name) is null)
        {
            Fail(RequestError.Invalid($"'{Path(name)}' is a required property.", Path(name), "missing_required_parameter"));
            return null;
        }

        return String(name);
    }

    public string? String(string name, bool allowEmpty = false)
    {
        if (Get(name) is not { } node)
        {
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.String || (node.GetValue<string>() is { Length: 0 } && !allowEmpty))
        {
            Fail(RequestError.Invalid($"'{Path(name)}' must be a {(allowEmpty ? "" : "non-empty ")}string.", Path(name), "invalid_type"));
            return null;
        }

        return node.GetValue<string>();
    }

    public bool? Bool(string name)
    {
        switch (Get(name)?.GetValueKind())
        {
            case null:
                return null;
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                Fail(RequestError.Invalid($"'{Path(name)}' must be a boolean.", Path(name), "invalid_type"));
                return null;
        }
    }

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>]; a fraction, a string or a number out of range is a 400.</summary>
    public int? Int(string name, int min, int max)
    {
        if (Get(name) is not { } node)
        {
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue<long>(out var value))
        {
            Fail(RequestError.Invalid($"'{Path(name)}' must be an integer.", Path(name), "invalid_type"));
            return null;
        }

        if (value < min || value > max)
        {
            var code = value < 0 && min >= 0 ? "invalid_type" : "invalid_value";
            Fail(RequestError.Invalid(
                $"'{Path(name)}' is {value.ToString(CultureInfo.InvariantCulture)}; it must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}.",
                Path(name), code));
            return null;
        }

        return (int)value;
    }

    public long? Long(string name)
    {
        if (Get(name) is not { } node)
        {
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue<long>(out var value))
        {
            Fail(RequestError.Invalid($"'{Path(name)}' must be an integer within 64 bits.", Path(name), "invalid_type"));
            return null;
        }

        return value;
    }

    /// <summary>A finite number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public double? Number(string name, double min, double max)
    {
        if (Get(name) is not { } node)
        {
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue<double>(out var value) || !double.IsFinite(value))
        {
            Fail(RequestError.Invalid($"'{Path(name)}' must be a number.", Path(name), "invalid_type"));
            return null;
        }

        if (value < min || value > max)
        {
            Fail(RequestError.Invalid(
                $"'{Path(name)}' is {value.ToString(CultureInfo.InvariantCulture)}; it must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}.",
                Path(name), "invalid_value"));
            return null;
        }

        return value;
    }

    /// <summary>The field when it has <paramref name="kind"/> (an object, an array); a value of another kind is a 400.</summary>
    public JsonNode? OfKind(string name, JsonValueKind kind)
    {
        if (Get(name) is not { } node)
        {
            return null;
        }

        if (node.GetValueKind() != kind)
        {
            Fail(RequestError.Invalid($"'{Path(name)}' must be {(kind == JsonValueKind.Object ? "an object" : "an array")}.", Path(name), "invalid_type"));
            return null;
        }

        return node;
    }

    /// <summary>Every item of <paramref name="array"/> (at the full path <paramref name="arrayPath"/>) must be an object.</summary>
    public void ObjectItems(JsonArray? array, string arrayPath)
    {
        if (array is null)
        {
            return;
        }

        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject)
            {
                var itemPath = $"{arrayPath}[{i}]";
                Fail(RequestError.Invalid($"'{itemPath}' must be an object.", itemPath, "invalid_type"));
                return;
            }
        }
    }

    private JsonNode? Get(string name)
    {
        if (Error is not null)
        {
            return null;
        }

        var node = Body[name];
        return node is null || node.GetValueKind() == JsonValueKind.Null ? null : node;
    }

    private string Path(string name) => path is null ? name : $"{path}.{name}";
}
