using System.Runtime.InteropServices;
using GreenGateway.Inference.Cuda.Native;

namespace GreenGateway.Inference.Cuda.Runtime;

/// <summary>Device memory (cuMemAlloc), freed with its context made current so that the finalizer thread may free it too.</summary>
internal sealed class DeviceBuffer : SafeHandle
{
    private readonly nint _context;

    public DeviceBuffer(CudaDevice device, long bytes)
        : base(0, ownsHandle: true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        _context = device.Context;
        device.MakeCurrent();
        Check.Cu(NativeMethods.cuMemAlloc(out var pointer, (nuint)bytes));
        SetHandle((nint)pointer);
        Bytes = bytes;
    }

    public long Bytes { get; }

    /// <summary>The device address (CUdeviceptr).</summary>
    public ulong Pointer => (ulong)handle;

    public override bool IsInvalid => handle == 0;

    /// <summary>Copies host data in, synchronously.</summary>
    public unsafe void Upload<T>(ReadOnlySpan<T> data, long byteOffset = 0)
        where T : unmanaged
    {
        var bytes = (long)data.Length * sizeof(T);
        if (byteOffset + bytes > Bytes)
        {
            throw new ArgumentException($"{bytes} bytes at {byteOffset} do not fit a buffer of {Bytes}.", nameof(data));
        }

        fixed (T* p = data)
        {
            Check.Cu(NativeMethods.cuMemcpyHtoD(Pointer + (ulong)byteOffset, (nint)p, (nuint)bytes));
        }
    }

    /// <summary>Copies device data out, synchronously (after the stream's work: the caller synchronizes first).</summary>
    public unsafe void Download<T>(Span<T> destination, long byteOffset = 0)
        where T : unmanaged
    {
        fixed (T* p = destination)
        {
            Check.Cu(NativeMethods.cuMemcpyDtoH((nint)p, Pointer + (ulong)byteOffset, (nuint)((long)destination.Length * sizeof(T))));
        }
    }

    protected override bool ReleaseHandle()
    {
        NativeMethods.cuCtxSetCurrent(_context);
        return NativeMethods.cuMemFree((ulong)handle) == CuResult.Success;
    }
}

/// <summary>Page-locked host memory (cuMemHostAlloc): asynchronous copies to and from the device need it.</summary>
internal sealed unsafe class PinnedBuffer : SafeHandle
{
    private readonly nint _context;

    public PinnedBuffer(CudaDevice device, long bytes)
        : base(0, ownsHandle: true)
    {
        _context = device.Context;
        device.MakeCurrent();
        Check.Cu(NativeMethods.cuMemHostAlloc(out var pointer, (nuint)bytes, 0));
        SetHandle(pointer);
        Bytes = bytes;
    }

    public long Bytes { get; }

    public nint Address => handle;

    public override bool IsInvalid => handle == 0;

    public Span<T> AsSpan<T>(int count)
        where T : unmanaged => new((void*)handle, count);

    protected override bool ReleaseHandle()
    {
        NativeMethods.cuCtxSetCurrent(_context);
        return NativeMethods.cuMemFreeHost(handle) == CuResult.Success;
    }
}
