using System.Text;

namespace GreenGateway.Inference.Tests.Formats;

/// <summary>Writes small GGUF v3 files (ggml docs/gguf.md) for reader error tests: string metadata and tensor infos.</summary>
internal static class GgufWriter
{
    public static void Write(string path, IEnumerable<(string Key, string Value)> metadata, IEnumerable<(string Name, ulong[] Dims, uint Type)> tensors, uint version = 3)
    {
        var meta = metadata.ToList();
        var infos = tensors.ToList();
        using var w = new BinaryWriter(File.Create(path));
        w.Write(Encoding.ASCII.GetBytes("GGUF"));
        w.Write(version);
        w.Write((ulong)infos.Count);
        w.Write((ulong)meta.Count);
        foreach (var (key, value) in meta)
        {
            WriteString(w, key);
            w.Write(8u); // GGUF_TYPE_STRING
            WriteString(w, value);
        }

        foreach (var (name, dims, type) in infos)
        {
            WriteString(w, name);
            w.Write((uint)dims.Length);
            foreach (var d in dims)
            {
                w.Write(d);
            }

            w.Write(type);
            w.Write(0UL);
        }

        while (w.BaseStream.Position % 32 != 0)
        {
            w.Write((byte)0);
        }

        w.Write(new byte[4096]);
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }
}
