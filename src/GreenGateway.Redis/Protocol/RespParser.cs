using System.Buffers;
using System.Buffers.Text;
using System.Globalization;

namespace GreenGateway.Redis.Protocol;

/// <summary>
/// Reads RESP2 and RESP3 frames (redis/redis-specifications protocol/RESP3.md; RESP2 is its subset).
/// <see cref="TryRead"/> returns false when the buffer holds only part of a frame, and throws
/// <see cref="RedisProtocolException"/> for anything a conforming server cannot send.
/// </summary>
/// <remarks>
/// No allocation is sized by a length prefix alone: a bulk string is allocated only once all its bytes
/// are buffered, and an aggregate only once at least three bytes per announced element are (the
/// smallest RESP frame, <c>_\r\n</c>, has three). So memory stays proportional to bytes received.
/// </remarks>
internal static partial class RespParser
{
    private const int MaxNumberLine = 64;

    public static bool TryRead(ref SequenceReader<byte> reader, RespLimits limits, out RespValue value) =>
        TryRead(ref reader, limits, 0, out value);

    private static bool TryRead(ref SequenceReader<byte> reader, RespLimits limits, int depth, out RespValue value)
    {
        value = default;
        if (!reader.TryRead(out var prefix))
        {
            return false;
        }

        switch (prefix)
        {
            case (byte)'+':
                return TryReadLineValue(ref reader, limits, RespType.SimpleString, out value);
            case (byte)'-':
                return TryReadLineValue(ref reader, limits, RespType.Error, out value);
            case (byte)'(':
                return TryReadLineValue(ref reader, limits, RespType.BigNumber, out value);
            case (byte)':':
                if (!TryReadInteger(ref reader, out var integer))
                {
                    return false;
                }

                value = RespValue.Integer(integer);
                return true;
            case (byte)'_':
                if (!TryReadLine(ref reader, limits, out var empty))
                {
                    return false;
                }

                if (!empty.IsEmpty)
                {
                    throw new RedisProtocolException("a RESP3 null carries no data");
                }

                value = RespValue.Null;
                return true;
            case (byte)'#':
                return TryReadBoolean(ref reader, limits, out value);
            case (byte)',':
                return TryReadDoubleValue(ref reader, out value);
            case (byte)'$':
                return TryReadBulk(ref reader, limits, RespType.BulkString, out value);
            case (byte)'!':
                return TryReadBulk(ref reader, limits, RespType.Error, out value);
            case (byte)'=':
                return TryReadBulk(ref reader, limits, RespType.VerbatimString, out value);
            case (byte)'*':
                return TryReadAggregate(ref reader, limits, depth, RespType.Array, 1, out value);
            case (byte)'~':
                return TryReadAggregate(ref reader, limits, depth, RespType.Set, 1, out value);
            case (byte)'>':
                return TryReadAggregate(ref reader, limits, depth, RespType.Push, 1, out value);
            case (byte)'%':
                return TryReadAggregate(ref reader, limits, depth, RespType.Map, 2, out value);
            case (byte)'|':
                // An attribute map precedes the real reply; the client has no use for it (RESP3.md, "Attribute type").
                if (!TryReadAggregate(ref reader, limits, depth, RespType.Map, 2, out _))
                {
                    return false;
                }

                return TryRead(ref reader, limits, depth, out value);
            default:
                throw new RedisProtocolException($"unknown RESP type byte 0x{prefix:x2}");
        }
    }

    private static bool TryReadLine(ref SequenceReader<byte> reader, RespLimits limits, out ReadOnlySequence<byte> line)
    {
        if (!reader.TryReadTo(out line, "\r\n"u8, advancePastDelimiter: true))
        {
            if (reader.Remaining > limits.MaxLineLength + 1)
            {
                throw new RedisProtocolException($"no line end within {limits.MaxLineLength} bytes");
            }

            return false;
        }

        if (line.Length > limits.MaxLineLength)
        {
            throw new RedisProtocolException($"line of {line.Length} bytes exceeds the limit of {limits.MaxLineLength}");
        }

        return true;
    }

    private static bool TryReadLineValue(ref SequenceReader<byte> reader, RespLimits limits, RespType type, out RespValue value)
    {
        value = default;
        if (!TryReadLine(ref reader, limits, out var line))
        {
            return false;
        }

        value = RespValue.String(type, type == RespType.SimpleString ? Intern(line) : line.ToArray());
        return true;
    }
}
