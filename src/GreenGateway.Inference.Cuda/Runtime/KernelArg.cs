namespace GreenGateway.Inference.Cuda.Runtime;

/// <summary>
/// One kernel argument in an 8-byte slot: an int or float in the low 4 bytes (the driver reads as many bytes as
/// the parameter's size, little-endian), or a device address.
/// </summary>
internal readonly struct KernelArg
{
    private KernelArg(long bits) => Bits = bits;

    public long Bits { get; }

    public static implicit operator KernelArg(int value) => new(value);

    public static implicit operator KernelArg(float value) => new(BitConverter.SingleToInt32Bits(value));

    public static implicit operator KernelArg(ulong devicePointer) => new((long)devicePointer);

    public static implicit operator KernelArg(DeviceBuffer? buffer) => new(buffer is null ? 0 : (long)buffer.Pointer);
}
