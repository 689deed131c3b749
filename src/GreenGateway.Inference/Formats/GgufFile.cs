namespace GreenGateway.Inference.Formats;

/// <summary>
/// A memory-mapped GGUF file (ggml docs/gguf.md): magic "GGUF", version, tensor count, metadata count, typed
/// key/value metadata, tensor infos (name, dimensions innermost first, ggml type, offset), then the tensor data
/// aligned to general.alignment (default 32). Versions 2 and 3 share this layout; version 3 is what current
/// writers produce.
/// </summary>
internal sealed unsafe partial class GgufFile : ITensorSource
{
    private const uint Magic = 0x46554747; // "GGUF" read as a little-endian u32

    private readonly MappedFile _file;
    private readonly Dictionary<string, TensorView> _tensors;

    private GgufFile(MappedFile file, uint version, Dictionary<string, object> metadata, Dictionary<string, TensorView> tensors)
    {
        _file = file;
        Version = version;
        Metadata = metadata;
        _tensors = tensors;
    }

    public uint Version { get; }

    public IReadOnlyDictionary<string, object> Metadata { get; }

    public string Description => _file.Path;

    public IEnumerable<string> Names => _tensors.Keys;

    public static GgufFile Open(string path)
    {
        var file = MappedFile.Open(path);
        try
        {
            var reader = new Cursor(file);
            if (reader.U32() != Magic)
            {
                throw new InvalidDataException($"'{path}' is not a GGUF file (bad magic).");
            }

            var version = reader.U32();
            if (version is < 2 or > 3)
            {
                throw new NotSupportedException($"'{path}' is GGUF version {version}; versions 2 and 3 are supported.");
            }

            var tensorCount = reader.U64();
            var metadataCount = reader.U64();
            var metadata = new Dictionary<string, object>(StringComparer.Ordinal);
            for (ulong i = 0; i < metadataCount; i++)
            {
                var key = reader.String();
                metadata[key] = reader.Value(reader.U32());
            }

            var alignment = metadata.TryGetValue("general.alignment", out var a) ? Convert.ToInt64(a) : 32;
            var infos = new List<(string Name, long[] Shape, uint Type, ulong Offset)>();
            for (ulong i = 0; i < tensorCount; i++)
            {
                var name = reader.String();
                var dims = new long[reader.U32()];
                for (var d = 0; d < dims.Length; d++)
                {
                    dims[d] = (long)reader.U64();
                }

                Array.Reverse(dims); // GGUF lists the innermost dimension first; TensorView is outermost first.
                infos.Add((name, dims, reader.U32(), reader.U64()));
            }

            var dataStart = (reader.Position + alignment - 1) / alignment * alignment;
            var tensors = new Dictionary<string, TensorView>(StringComparer.Ordinal);
            foreach (var (name, shape, type, offset) in infos)
            {
                var dtype = ToDType(type, name, path);
                var view = new TensorView(name, dtype, shape, (nint)(file.Pointer + dataStart + (long)offset), 0);
                view = view with { ByteLength = dtype.ByteSize(view.ElementCount) };
                if (dataStart + (long)offset + view.ByteLength > file.Length)
                {
                    throw new InvalidDataException($"'{path}': tensor '{name}' lies outside the file.");
                }

                tensors[name] = view;
            }

            return new GgufFile(file, version, metadata, tensors);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public bool TryGet(string name, out TensorView tensor) => _tensors.TryGetValue(name, out tensor);

    public void Dispose() => _file.Dispose();

    /// <summary>ggml_type numbers from ggml.h.</summary>
    private static TensorDType ToDType(uint type, string tensor, string path) => type switch
    {
        0 => TensorDType.F32,
        1 => TensorDType.F16,
        2 => TensorDType.Q4_0,
        8 => TensorDType.Q8_0,
        30 => TensorDType.BF16,
        _ => throw new NotSupportedException(
            $"'{path}': tensor '{tensor}' has ggml type {GgmlTypeName(type)} ({type}); supported are F32, F16, BF16, Q8_0 and Q4_0."),
    };

    private static string GgmlTypeName(uint type) => type switch
    {
        3 => "Q4_1",
        6 => "Q5_0",
        7 => "Q5_1",
        9 => "Q8_1",
        10 => "Q2_K",
        11 => "Q3_K",
        12 => "Q4_K",
        13 => "Q5_K",
        14 => "Q6_K",
        15 => "Q8_K",
        _ => "unknown",
    };
}
