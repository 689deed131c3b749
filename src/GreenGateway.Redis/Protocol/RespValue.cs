using System.Globalization;
using System.Text;

namespace GreenGateway.Redis.Protocol;

/// <summary>
/// One reply from a RESP server. Strings keep their raw bytes; aggregates keep their elements
/// (a map's entries are flattened key, value, key, value...).
/// </summary>
public readonly struct RespValue
{
    private readonly object? _payload;
    private readonly long _bits;

    private RespValue(RespType type, object? payload, long bits)
    {
        Type = type;
        _payload = payload;
        _bits = bits;
    }

    public RespType Type { get; }

    public bool IsNull => Type == RespType.Null;

    public bool IsError => Type == RespType.Error;

    public bool IsAggregate => Type is RespType.Array or RespType.Map or RespType.Set or RespType.Push;

    /// <summary>The elements of an aggregate; empty for anything else.</summary>
    public ReadOnlySpan<RespValue> Items => _payload as RespValue[] ?? [];

    /// <summary>The raw bytes of a string-like reply; empty for anything else.</summary>
    public ReadOnlySpan<byte> Bytes => _payload as byte[] ?? [];

    internal byte[]? ByteArray => _payload as byte[];

    internal static RespValue Null => new(RespType.Null, null, 0);

    internal static RespValue String(RespType type, byte[] bytes) => new(type, bytes, 0);

    internal static RespValue Integer(long value) => new(RespType.Integer, null, value);

    internal static RespValue Double(double value) => new(RespType.Double, null, BitConverter.DoubleToInt64Bits(value));

    internal static RespValue Boolean(bool value) => new(RespType.Boolean, null, value ? 1 : 0);

    internal static RespValue Aggregate(RespType type, RespValue[] items) => new(type, items, 0);

    /// <summary>The reply as text: strings decoded as UTF-8, numbers formatted invariantly; null for a null reply.</summary>
    public string? AsString() => Type switch
    {
        RespType.Null => null,
        RespType.Integer => _bits.ToString(CultureInfo.InvariantCulture),
        RespType.Double => BitConverter.Int64BitsToDouble(_bits).ToString("R", CultureInfo.InvariantCulture),
        RespType.Boolean => _bits != 0 ? "1" : "0",
        _ when _payload is byte[] b => Encoding.UTF8.GetString(b),
        _ => throw new InvalidCastException($"a {Type} reply is not a string"),
    };

    /// <summary>The reply as an integer (RESP integers, numeric strings, booleans).</summary>
    public long AsInt64()
    {
        switch (Type)
        {
            case RespType.Integer:
            case RespType.Boolean:
                return _bits;
            case RespType.Double:
                return (long)BitConverter.Int64BitsToDouble(_bits);
            default:
                if (_payload is byte[] b && long.TryParse(b, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
                {
                    return v;
                }

                throw new InvalidCastException($"a {Type} reply is not an integer");
        }
    }

    /// <summary>The reply as a floating-point number (RESP3 doubles, integers, numeric strings).</summary>
    public double AsDouble()
    {
        switch (Type)
        {
            case RespType.Double:
                return BitConverter.Int64BitsToDouble(_bits);
            case RespType.Integer:
            case RespType.Boolean:
                return _bits;
            default:
                if (_payload is byte[] b && RespParser.TryParseDouble(b, out var v))
                {
                    return v;
                }

                throw new InvalidCastException($"a {Type} reply is not a number");
        }
    }

    /// <summary>True for RESP3 true, a non-zero integer, or the simple string OK.</summary>
    public bool AsBoolean() => Type switch
    {
        RespType.Boolean or RespType.Integer => _bits != 0,
        RespType.SimpleString => Bytes.SequenceEqual("OK"u8),
        _ => false,
    };

    public override string ToString() => Type switch
    {
        RespType.Null => "(nil)",
        _ when IsAggregate => $"{Type}[{Items.Length}]",
        _ => $"{Type}:{AsString()}",
    };
}
