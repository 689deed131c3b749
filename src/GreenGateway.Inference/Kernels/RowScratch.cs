namespace GreenGateway.Inference.Kernels;

/// <summary>A per-thread f32 buffer that kernels widen one quantized row into.</summary>
internal static class RowScratch
{
    [ThreadStatic]
    private static float[]? _buffer;

    public static Span<float> Get(int length)
    {
        if (_buffer is null || _buffer.Length < length)
        {
            _buffer = new float[length];
        }

        return _buffer.AsSpan(0, length);
    }
}
