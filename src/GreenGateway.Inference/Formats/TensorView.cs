namespace GreenGateway.Inference.Formats;

/// <summary>A stored tensor in place: its type, row-major shape (outermost first) and where its bytes lie.</summary>
internal readonly unsafe record struct TensorView(string Name, TensorDType DType, long[] Shape, nint Data, long ByteLength)
{
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Shape)
            {
                n *= d;
            }

            return n;
        }
    }

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>Rows and columns of a 2-D tensor (a 1-D tensor is one row).</summary>
    public (int Rows, int Cols) Matrix => Shape.Length switch
    {
        1 => (1, checked((int)Shape[0])),
        2 => (checked((int)Shape[0]), checked((int)Shape[1])),
        _ => throw new InvalidDataException($"tensor '{Name}' has shape {ShapeText}; a matrix was expected."),
    };

    public ReadOnlySpan<byte> Bytes => new((void*)Data, checked((int)ByteLength));
}

/// <summary>A set of named tensors kept readable for as long as the source lives (memory-mapped files).</summary>
internal interface ITensorSource : IDisposable
{
    /// <summary>Where the tensors come from, for error messages.</summary>
    string Description { get; }

    IEnumerable<string> Names { get; }

    bool TryGet(string name, out TensorView tensor);
}
