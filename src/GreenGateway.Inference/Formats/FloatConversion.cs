using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace GreenGateway.Inference.Formats;

/// <summary>Widening of stored 16-bit floats to f32.</summary>
internal static class FloatConversion
{
    /// <summary>Converts a stored tensor of any float type to f32 into <paramref name="destination"/>.</summary>
    public static void ToSingle(in TensorView tensor, Span<float> destination)
    {
        var bytes = tensor.Bytes;
        switch (tensor.DType)
        {
            case TensorDType.F32:
                MemoryMarshal.Cast<byte, float>(bytes).CopyTo(destination);
                break;
            case TensorDType.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(bytes), destination);
                break;
            case TensorDType.BF16:
                BFloat16ToSingle(MemoryMarshal.Cast<byte, ushort>(bytes), destination);
                break;
            default:
                throw new NotSupportedException($"tensor '{tensor.Name}' is {tensor.DType}; a float type was expected.");
        }
    }

    /// <summary>bfloat16 is the upper half of an IEEE f32, so widening is a 16-bit shift.</summary>
    public static void BFloat16ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        var bits = MemoryMarshal.Cast<float, uint>(destination);
        for (var i = 0; i < source.Length; i++)
        {
            bits[i] = (uint)source[i] << 16;
        }
    }

    public static float[] ToSingleArray(in TensorView tensor)
    {
        var result = new float[tensor.ElementCount];
        ToSingle(tensor, result);
        return result;
    }
}
