namespace GreenGateway.Inference.Formats;

/// <summary>Element types of stored tensors that the engine reads.</summary>
internal enum TensorDType
{
    F32,
    F16,
    BF16,

    /// <summary>GGML blocks of 32: one f16 scale and 32 signed bytes (34 bytes, ggml-common.h block_q8_0).</summary>
    Q8_0,

    /// <summary>GGML blocks of 32: one f16 scale and 16 bytes of 4-bit values offset by 8 (18 bytes, block_q4_0).</summary>
    Q4_0,
}

internal static class TensorDTypeExtensions
{
    public const int QuantBlock = 32;

    /// <summary>Bytes taken by <paramref name="elements"/> values of this type (whole blocks for quantized types).</summary>
    public static long ByteSize(this TensorDType type, long elements) => type switch
    {
        TensorDType.F32 => elements * 4,
        TensorDType.F16 or TensorDType.BF16 => elements * 2,
        TensorDType.Q8_0 => elements / QuantBlock * 34,
        TensorDType.Q4_0 => elements / QuantBlock * 18,
        _ => throw new NotSupportedException($"dtype {type}"),
    };
}
