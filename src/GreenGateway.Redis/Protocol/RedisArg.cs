using System.Globalization;
using System.Text;

namespace GreenGateway.Redis.Protocol;

/// <summary>One argument of a command: text (sent as UTF-8), raw bytes, an integer or a double.</summary>
public readonly struct RedisArg
{
    private readonly string? _text;
    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly long _integer;
    private readonly double _double;
    private readonly Kind _kind;

    private RedisArg(Kind kind, string? text, ReadOnlyMemory<byte> bytes, long integer, double number)
    {
        _kind = kind;
        _text = text;
        _bytes = bytes;
        _integer = integer;
        _double = number;
    }

    private enum Kind : byte
    {
        Text,
        Bytes,
        Integer,
        Double,
    }

    public static implicit operator RedisArg(string text) => new(Kind.Text, text, default, 0, 0);

    public static implicit operator RedisArg(byte[] bytes) => new(Kind.Bytes, null, bytes, 0, 0);

    public static implicit operator RedisArg(ReadOnlyMemory<byte> bytes) => new(Kind.Bytes, null, bytes, 0, 0);

    public static implicit operator RedisArg(long value) => new(Kind.Integer, null, default, value, 0);

    public static implicit operator RedisArg(int value) => new(Kind.Integer, null, default, value, 0);

    public static implicit operator RedisArg(double value) => new(Kind.Double, null, default, 0, value);

    /// <summary>The encoded length in bytes.</summary>
    internal int ByteCount
    {
        get
        {
            Span<byte> scratch = stackalloc byte[32];
            return _kind switch
            {
                Kind.Text => Encoding.UTF8.GetByteCount(_text!),
                Kind.Bytes => _bytes.Length,
                _ => Format(scratch),
            };
        }
    }

    /// <summary>Writes the encoded bytes and returns their count; <paramref name="destination"/> holds at least <see cref="ByteCount"/>.</summary>
    internal int Format(Span<byte> destination)
    {
        switch (_kind)
        {
            case Kind.Text:
                return Encoding.UTF8.GetBytes(_text!, destination);
            case Kind.Bytes:
                _bytes.Span.CopyTo(destination);
                return _bytes.Length;
            case Kind.Integer:
                _integer.TryFormat(destination, out var written, default, CultureInfo.InvariantCulture);
                return written;
            default:
                _double.TryFormat(destination, out written, "R", CultureInfo.InvariantCulture);
                return written;
        }
    }

    /// <summary>The argument as text, for routing and diagnostics.</summary>
    public override string ToString() => _kind switch
    {
        Kind.Text => _text!,
        Kind.Bytes => Encoding.UTF8.GetString(_bytes.Span),
        Kind.Integer => _integer.ToString(CultureInfo.InvariantCulture),
        _ => _double.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>The key's bytes for hash-slot computation; rents nothing for byte arguments.</summary>
    internal int CopyTo(Span<byte> destination) => Format(destination);
}
