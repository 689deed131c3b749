using System.Text;

namespace GreenGateway.Inference.Tests.Formats;

/// <summary>
/// Writes small GGUF v3 files (ggml docs/gguf.md) for tests: metadata values that are strings, u32, f32 or
/// string arrays, and tensors with their raw bytes (dimensions given innermost first, as GGUF stores them).
/// </summary>
internal static class GgufWriter
{
    /// <summary>Tensor infos without data (the file is padded with zeros), for reader error tests.</summary>
    public static void WriteInfos(string path, IEnumerable<(string Key, object Value)> metadata, IEnumerable<(string Name, ulong[] Dims, uint Type)> tensors) =>
        Write(path, metadata, tensors.Select(static t => (t.Name, t.Dims, t.Type, Array.Empty<byte>())));

    public static void Write(string path, IEnumerable<(string Key, object Value)> metadata, IEnumerable<(string Name, ulong[] Dims, uint Type, byte[] Data)> tensors)
    {
        var meta = metadata.ToList();
        var infos = tensors.ToList();
        using var w = new BinaryWriter(File.Create(path));
        w.Write(Encoding.ASCII.GetBytes("GGUF"));
        w.Write(3u);
        w.Write((ulong)infos.Count);
        w.Write((ulong)meta.Count);
        foreach (var (key, value) in meta)
        {
            WriteString(w, key);
            WriteValue(w, value);
        }

        ulong offset = 0;
        foreach (var (name, dims, type, data) in infos)
        {
            WriteString(w, name);
            w.Write((uint)dims.Length);
            foreach (var d in dims)
            {
                w.Write(d);
            }

            w.Write(type);
            w.Write(offset);
            offset += Aligned((ulong)data.Length);
        }

        Pad(w);
        foreach (var (_, _, _, data) in infos)
        {
            w.Write(data);
            Pad(w);
        }

        w.Write(new byte[4096]);
    }

    private static void WriteValue(BinaryWriter w, object value)
    {
        switch (value)
        {
            case string s:
                w.Write(8u);
                WriteString(w, s);
                break;
            case uint u:
                w.Write(4u);
                w.Write(u);
                break;
            case float f:
                w.Write(6u);
                w.Write(f);
                break;
            case string[] items:
                w.Write(9u);
                w.Write(8u);
                w.Write((ulong)items.Length);
                foreach (var item in items)
                {
                    WriteString(w, item);
                }

                break;
            default:
                throw new ArgumentException($"no GGUF encoding for {value.GetType().Name} here.");
        }
    }

    private static ulong Aligned(ulong n) => (n + 31) / 32 * 32;

    private static void Pad(BinaryWriter w)
    {
        while (w.BaseStream.Position % 32 != 0)
        {
            w.Write((byte)0);
        }
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }
}
