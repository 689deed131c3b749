using System.Buffers.Binary;
using System.Text.Json;

namespace GreenGateway.Inference.Formats;

/// <summary>
/// One memory-mapped .safetensors file. Layout (huggingface/safetensors README): an 8-byte little-endian
/// header length N, N bytes of JSON mapping each tensor name to its dtype, shape and [begin, end) byte
/// offsets relative to the end of the header, then the data.
/// </summary>
internal sealed unsafe class SafeTensorsFile : ITensorSource
{
    private readonly MappedFile _file;
    private readonly Dictionary<string, TensorView> _tensors;

    private SafeTensorsFile(MappedFile file, Dictionary<string, TensorView> tensors)
    {
        _file = file;
        _tensors = tensors;
    }

    public string Description => _file.Path;

    public IEnumerable<string> Names => _tensors.Keys;

    public static SafeTensorsFile Open(string path)
    {
        var file = MappedFile.Open(path);
        try
        {
            return new SafeTensorsFile(file, ReadHeader(file));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public bool TryGet(string name, out TensorView tensor) => _tensors.TryGetValue(name, out tensor);

    public void Dispose() => _file.Dispose();

    private static Dictionary<string, TensorView> ReadHeader(MappedFile file)
    {
        if (file.Length < 8)
        {
            throw new InvalidDataException($"'{file.Path}' is too short to be a safetensors file.");
        }

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file.Span(0, 8));
        if (headerLength > (ulong)(file.Length - 8) || headerLength > 100_000_000)
        {
            throw new InvalidDataException($"'{file.Path}': header length {headerLength} does not fit the file.");
        }

        var dataStart = 8 + (long)headerLength;
        using var json = JsonDocument.Parse(file.Span(8, (int)headerLength).ToArray());
        var tensors = new Dictionary<string, TensorView>(StringComparer.Ordinal);
        foreach (var entry in json.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__")
            {
                continue;
            }

            var dtype = ParseDType(entry.Value.GetProperty("dtype").GetString(), entry.Name, file.Path);
            var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(static e => e.GetInt64()).ToArray();
            var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(static e => e.GetInt64()).ToArray();
            var view = new TensorView(entry.Name, dtype, shape, (nint)(file.Pointer + dataStart + offsets[0]), offsets[1] - offsets[0]);
            if (offsets[0] < 0 || offsets[1] < offsets[0] || dataStart + offsets[1] > file.Length)
            {
                throw new InvalidDataException($"'{file.Path}': tensor '{entry.Name}' lies outside the file.");
            }

            if (dtype.ByteSize(view.ElementCount) != view.ByteLength)
            {
                throw new InvalidDataException(
                    $"'{file.Path}': tensor '{entry.Name}' {dtype} {view.ShapeText} should take {dtype.ByteSize(view.ElementCount)} bytes, not {view.ByteLength}.");
            }

            tensors.Add(entry.Name, view);
        }

        return tensors;
    }

    private static TensorDType ParseDType(string? dtype, string tensor, string path) => dtype switch
    {
        "F32" => TensorDType.F32,
        "F16" => TensorDType.F16,
        "BF16" => TensorDType.BF16,
        _ => throw new NotSupportedException(
            $"'{path}': tensor '{tensor}' has dtype {dtype}; supported are F32, F16 and BF16."),
    };
}
