using System.Buffers;
using System.Buffers.Text;
using System.Globalization;

namespace GreenGateway.Redis.Protocol;

internal static partial class RespParser
{
    private static readonly byte[] Ok = "OK"u8.ToArray();
    private static readonly byte[] Pong = "PONG"u8.ToArray();
    private static readonly byte[] Queued = "QUEUED"u8.ToArray();

    /// <summary>The few simple strings that most replies are share one array each; the bytes are never written to.</summary>
    private static byte[] Intern(in ReadOnlySequence<byte> line)
    {
        if (line.IsSingleSegment)
        {
            var span = line.FirstSpan;
            if (span.SequenceEqual(Ok))
            {
                return Ok;
            }

            if (span.SequenceEqual(Pong))
            {
                return Pong;
            }

            if (span.SequenceEqual(Queued))
            {
                return Queued;
            }
        }

        return line.ToArray();
    }

    private static bool TryReadInteger(ref SequenceReader<byte> reader, out long value)
    {
        value = 0;
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8, advancePastDelimiter: true))
        {
            if (reader.Remaining > MaxNumberLine)
            {
                throw new RedisProtocolException("integer line too long");
            }

            return false;
        }

        if (line.Length is 0 or > MaxNumberLine)
        {
            throw new RedisProtocolException("malformed integer");
        }

        Span<byte> scratch = stackalloc byte[MaxNumberLine];
        line.CopyTo(scratch);
        var digits = scratch[..(int)line.Length];
        if (digits[0] == (byte)'+')
        {
            digits = digits[1..];
        }

        if (!Utf8Parser.TryParse(digits, out value, out var consumed) || consumed != digits.Length || digits.Length == 0)
        {
            throw new RedisProtocolException("malformed integer");
        }

        return true;
    }

    private static bool TryReadBoolean(ref SequenceReader<byte> reader, RespLimits limits, out RespValue value)
    {
        value = default;
        if (!TryReadLine(ref reader, limits, out var line))
        {
            return false;
        }

        var first = line.IsEmpty ? (byte)0 : line.FirstSpan[0];
        if (line.Length != 1 || (first != (byte)'t' && first != (byte)'f'))
        {
            throw new RedisProtocolException("malformed boolean");
        }

        value = RespValue.Boolean(first == (byte)'t');
        return true;
    }

    private static bool TryReadDoubleValue(ref SequenceReader<byte> reader, out RespValue value)
    {
        value = default;
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8, advancePastDelimiter: true))
        {
            if (reader.Remaining > MaxNumberLine)
            {
                throw new RedisProtocolException("double line too long");
            }

            return false;
        }

        if (line.Length is 0 or > MaxNumberLine)
        {
            throw new RedisProtocolException("malformed double");
        }

        Span<byte> scratch = stackalloc byte[MaxNumberLine];
        line.CopyTo(scratch);
        if (!TryParseDouble(scratch[..(int)line.Length], out var number))
        {
            throw new RedisProtocolException("malformed double");
        }

        value = RespValue.Double(number);
        return true;
    }

    /// <summary>Parses a RESP double: a decimal or exponent form, <c>inf</c>, <c>-inf</c> or <c>nan</c>.</summary>
    internal static bool TryParseDouble(ReadOnlySpan<byte> text, out double value)
    {
        if (text.SequenceEqual("inf"u8) || text.SequenceEqual("+inf"u8))
        {
            value = double.PositiveInfinity;
            return true;
        }

        if (text.SequenceEqual("-inf"u8))
        {
            value = double.NegativeInfinity;
            return true;
        }

        if (text.SequenceEqual("nan"u8) || text.SequenceEqual("-nan"u8))
        {
            value = double.NaN;
            return true;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }
}
