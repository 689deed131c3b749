using System.Buffers.Binary;
using System.Text;

namespace GreenGateway.Inference.Formats;

internal sealed unsafe partial class GgufFile
{
    public string? GetString(string key) => Metadata.TryGetValue(key, out var v) ? v as string : null;

    /// <summary>An integer of any GGUF integer type, or null.</summary>
    public long? GetInteger(string key) => Metadata.TryGetValue(key, out var v) && v is byte or sbyte or ushort or short or uint or int or ulong or long
        ? Convert.ToInt64(v)
        : null;

    public double? GetFloat(string key) => Metadata.TryGetValue(key, out var v) && v is float or double ? Convert.ToDouble(v) : null;

    public bool? GetBool(string key) => Metadata.TryGetValue(key, out var v) && v is bool b ? b : null;

    public T[]? GetArray<T>(string key) => Metadata.TryGetValue(key, out var v) ? v as T[] : null;

    /// <summary>Little-endian reads over the mapped file, bounds-checked.</summary>
    private sealed class Cursor(MappedFile file)
    {
        public long Position { get; private set; }

        public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

        public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

        public string String()
        {
            var length = U64();
            if (length > int.MaxValue)
            {
                throw new InvalidDataException($"'{file.Path}': a string of {length} bytes at {Position}.");
            }

            return Encoding.UTF8.GetString(Take((int)length));
        }

        /// <summary>A value of gguf_type <paramref name="type"/> (0 u8 ... 12 f64, docs/gguf.md).</summary>
        public object Value(uint type) => type switch
        {
            0 => Take(1)[0],
            1 => (sbyte)Take(1)[0],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(Take(2)),
            3 => BinaryPrimitives.ReadInt16LittleEndian(Take(2)),
            4 => U32(),
            5 => BinaryPrimitives.ReadInt32LittleEndian(Take(4)),
            6 => BinaryPrimitives.ReadSingleLittleEndian(Take(4)),
            7 => Take(1)[0] != 0,
            8 => String(),
            9 => Array(U32(), U64()),
            10 => U64(),
            11 => BinaryPrimitives.ReadInt64LittleEndian(Take(8)),
            12 => BinaryPrimitives.ReadDoubleLittleEndian(Take(8)),
            _ => throw new InvalidDataException($"'{file.Path}': unknown metadata type {type} at {Position}."),
        };

        private object Array(uint type, ulong count)
        {
            if (count > (ulong)(file.Length - Position))
            {
                throw new InvalidDataException($"'{file.Path}': an array of {count} items at {Position} cannot fit the file.");
            }

            var n = (int)count;
            switch (type)
            {
                case 8:
                    var strings = new string[n];
                    for (var i = 0; i < n; i++)
                    {
                        strings[i] = String();
                    }

                    return strings;
                case 4 or 5:
                    var ints = new int[n];
                    for (var i = 0; i < n; i++)
                    {
                        ints[i] = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
                    }

                    return ints;
                case 6:
                    var floats = new float[n];
                    for (var i = 0; i < n; i++)
                    {
                        floats[i] = BinaryPrimitives.ReadSingleLittleEndian(Take(4));
                    }

                    return floats;
                default:
                    var items = new object[n];
                    for (var i = 0; i < n; i++)
                    {
                        items[i] = Value(type);
                    }

                    return items;
            }
        }

        private ReadOnlySpan<byte> Take(int length)
        {
            var span = file.Span(Position, length);
            Position += length;
            return span;
        }
    }
}
