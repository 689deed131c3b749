using System.Buffers.Binary;
using GreenGateway.Inference.Kernels;

namespace GreenGateway.Inference.Formats;

/// <summary>Splits GGML quantized blocks (scale, values) into the kernels' separate value and scale arrays.</summary>
internal static unsafe class QuantizedBlocks
{
    /// <summary>block_q8_0: f16 d, then 32 int8 (ggml-common.h).</summary>
    public static Int8Matrix ToInt8(in TensorView t, int rows, int cols)
    {
        var m = new Int8Matrix(rows, cols);
        var blocks = (long)rows * cols / 32;
        var src = (byte*)t.Data;
        for (long b = 0; b < blocks; b++)
        {
            var block = src + b * 34;
            m.Scales[b] = (float)BinaryPrimitives.ReadHalfLittleEndian(new ReadOnlySpan<byte>(block, 2));
            new ReadOnlySpan<sbyte>(block + 2, 32).CopyTo(new Span<sbyte>(m.Quants + b * 32, 32));
        }

        return m;
    }

    /// <summary>block_q4_0: f16 d, then 16 bytes of two 4-bit values each (ggml-common.h).</summary>
    public static Q4Matrix ToQ4(in TensorView t, int rows, int cols)
    {
        var m = new Q4Matrix(rows, cols);
        var blocks = (long)rows * cols / 32;
        var src = (byte*)t.Data;
        for (long b = 0; b < blocks; b++)
        {
            var block = src + b * 18;
            m.Scales[b] = (float)BinaryPrimitives.ReadHalfLittleEndian(new ReadOnlySpan<byte>(block, 2));
            new ReadOnlySpan<byte>(block + 2, 16).CopyTo(new Span<byte>(m.Packed + b * 16, 16));
        }

        return m;
    }
}
