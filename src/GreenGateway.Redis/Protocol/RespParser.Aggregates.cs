using System.Buffers;

namespace GreenGateway.Redis.Protocol;

internal static partial class RespParser
{
    private const int SmallestFrame = 3;

    private static bool TryReadBulk(ref SequenceReader<byte> reader, RespLimits limits, RespType type, out RespValue value)
    {
        value = default;
        if (!TryReadInteger(ref reader, out var length))
        {
            return false;
        }

        if (length == -1 && type == RespType.BulkString)
        {
            value = RespValue.Null;
            return true;
        }

        if (length < 0)
        {
            throw new RedisProtocolException($"negative bulk length {length}");
        }

        if (length > limits.MaxBulkLength || length > Array.MaxLength)
        {
            throw new RedisProtocolException($"bulk length {length} exceeds the limit of {limits.MaxBulkLength}");
        }

        if (reader.Remaining < length + 2)
        {
            return false;
        }

        var bytes = GC.AllocateUninitializedArray<byte>((int)length);
        reader.TryCopyTo(bytes);
        reader.Advance(length);
        if (!reader.IsNext("\r\n"u8, advancePast: true))
        {
            throw new RedisProtocolException("bulk string not terminated by CRLF");
        }

        if (type == RespType.VerbatimString)
        {
            // "=15\r\ntxt:Some string\r\n": three bytes of format and a colon precede the text (RESP3.md).
            if (bytes.Length < 4 || bytes[3] != (byte)':')
            {
                throw new RedisProtocolException("verbatim string without a format prefix");
            }

            bytes = bytes[4..];
        }

        value = RespValue.String(type, bytes);
        return true;
    }

    private static bool TryReadAggregate(ref SequenceReader<byte> reader, RespLimits limits, int depth, RespType type, int perEntry, out RespValue value)
    {
        value = default;
        if (!TryReadInteger(ref reader, out var count))
        {
            return false;
        }

        if (count == -1 && type == RespType.Array)
        {
            value = RespValue.Null;
            return true;
        }

        if (count < 0)
        {
            throw new RedisProtocolException($"negative aggregate length {count}");
        }

        if (count > limits.MaxAggregateCount / perEntry)
        {
            throw new RedisProtocolException($"aggregate of {count} entries exceeds the limit of {limits.MaxAggregateCount} elements");
        }

        var elements = (int)count * perEntry;

        if (depth >= limits.MaxDepth)
        {
            throw new RedisProtocolException($"aggregates nested deeper than {limits.MaxDepth}");
        }

        if (reader.Remaining < elements * SmallestFrame)
        {
            return false;
        }

        var items = elements == 0 ? [] : new RespValue[elements];
        for (var i = 0; i < items.Length; i++)
        {
            if (!TryRead(ref reader, limits, depth + 1, out items[i]))
            {
                return false;
            }
        }

        value = RespValue.Aggregate(type, items);
        return true;
    }
}
