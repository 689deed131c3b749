using System.Buffers.Text;

namespace GreenGateway.Redis.Protocol;

/// <summary>Encodes a command as a RESP array of bulk strings, the form every server accepts.</summary>
internal static class RespWriter
{
    /// <summary>The exact encoded size of the command.</summary>
    public static int GetLength(string command, ReadOnlySpan<RedisArg> args)
    {
        var total = HeaderLength('*', args.Length + 1);
        total += BulkLength(System.Text.Encoding.UTF8.GetByteCount(command));
        foreach (ref readonly var arg in args)
        {
            total += BulkLength(arg.ByteCount);
        }

        return total;
    }

    /// <summary>Writes the command into <paramref name="destination"/> (at least <see cref="GetLength"/> bytes) and returns the count written.</summary>
    public static int Write(Span<byte> destination, string command, ReadOnlySpan<RedisArg> args)
    {
        var at = WriteHeader(destination, '*', args.Length + 1);
        var length = System.Text.Encoding.UTF8.GetByteCount(command);
        at += WriteHeader(destination[at..], '$', length);
        at += System.Text.Encoding.UTF8.GetBytes(command, destination[at..]);
        at += WriteCrlf(destination[at..]);
        foreach (ref readonly var arg in args)
        {
            // The count goes first, so format into place after a header sized for it.
            var count = arg.ByteCount;
            at += WriteHeader(destination[at..], '$', count);
            at += arg.Format(destination[at..]);
            at += WriteCrlf(destination[at..]);
        }

        return at;
    }

    private static int BulkLength(int length) => HeaderLength('$', length) + length + 2;

    private static int HeaderLength(char prefix, int value) => 1 + Digits(value) + 2;

    private static int Digits(int value)
    {
        var digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }

    private static int WriteHeader(Span<byte> destination, char prefix, int value)
    {
        destination[0] = (byte)prefix;
        Utf8Formatter.TryFormat(value, destination[1..], out var written);
        destination[1 + written] = (byte)'\r';
        destination[2 + written] = (byte)'\n';
        return written + 3;
    }

    private static int WriteCrlf(Span<byte> destination)
    {
        destination[0] = (byte)'\r';
        destination[1] = (byte)'\n';
        return 2;
    }
}
