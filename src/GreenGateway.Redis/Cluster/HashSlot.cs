using System.Buffers;
using GreenGateway.Redis.Protocol;

namespace GreenGateway.Redis.Cluster;

/// <summary>
/// Key → hash slot as the Redis Cluster specification defines it (redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec):
/// CRC16 (XMODEM: polynomial 0x1021, initial value 0) of the key, or of its hash tag, modulo 16384. The hash tag is the
/// part between the first '{' and the first '}' after it, when that part is not empty.
/// </summary>
public static class HashSlot
{
    public const int Count = 16384;

    private static readonly ushort[] Table = BuildTable();

    public static int Of(ReadOnlySpan<byte> key)
    {
        var open = key.IndexOf((byte)'{');
        if (open >= 0)
        {
            var close = key[(open + 1)..].IndexOf((byte)'}');
            if (close > 0)
            {
                key = key.Slice(open + 1, close);
            }
        }

        return Crc16(key) & (Count - 1);
    }

    public static int Of(string key) => Of(System.Text.Encoding.UTF8.GetBytes(key));

    internal static int Of(in RedisArg key)
    {
        var length = key.ByteCount;
        if (length <= 256)
        {
            Span<byte> small = stackalloc byte[length];
            key.Format(small);
            return Of(small);
        }

        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = key.Format(rented);
            return Of(rented.AsSpan(0, written));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>CRC16-XMODEM; the specification's check value is Crc16("123456789") = 0x31C3.</summary>
    public static ushort Crc16(ReadOnlySpan<byte> data)
    {
        ushort crc = 0;
        foreach (var b in data)
        {
            crc = (ushort)((crc << 8) ^ Table[((crc >> 8) ^ b) & 0xff]);
        }

        return crc;
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (var i = 0; i < 256; i++)
        {
            var crc = (ushort)(i << 8);
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            }

            table[i] = crc;
        }

        return table;
    }
}
