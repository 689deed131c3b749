using System.Runtime.InteropServices;
using System.Text;
using GreenGateway.Inference.Cuda.Native;

namespace GreenGateway.Inference.Cuda.Runtime;

/// <summary>
/// One GPU with its primary context and one non-blocking stream. Every public operation of the backend makes the
/// context current on its thread first (<see cref="MakeCurrent"/>), so callers may use any thread.
/// </summary>
internal sealed unsafe class CudaDevice : IDisposable
{
    private readonly int _device;
    private nint _stream;
    private bool _disposed;

    private CudaDevice(int ordinal)
    {
        NativeMethods.EnsureResolver();
        Check.Cu(NativeMethods.cuInit(0));
        Check.Cu(NativeMethods.cuDeviceGetCount(out var count));
        if (ordinal >= count)
        {
            throw new CudaException($"GPU {ordinal} was asked for; the driver sees {count}.");
        }

        Check.Cu(NativeMethods.cuDeviceGet(out _device, ordinal));
        Check.Cu(NativeMethods.cuDevicePrimaryCtxRetain(out var context, _device));
        Context = context;
        MakeCurrent();
        Check.Cu(NativeMethods.cuStreamCreate(out _stream, 1));
        Ordinal = ordinal;
        Name = ReadString(static (p, n, d) => NativeMethods.cuDeviceGetName(p, n, d), _device);
        PciBusId = ReadString(static (p, n, d) => NativeMethods.cuDeviceGetPCIBusId(p, n, d), _device);
        Check.Cu(NativeMethods.cuDeviceGetAttribute(out var major, CuDeviceAttribute.ComputeCapabilityMajor, _device));
        Check.Cu(NativeMethods.cuDeviceGetAttribute(out var minor, CuDeviceAttribute.ComputeCapabilityMinor, _device));
        Check.Cu(NativeMethods.cuDeviceGetAttribute(out var sms, CuDeviceAttribute.MultiprocessorCount, _device));
        Check.Cu(NativeMethods.cuDeviceGetAttribute(out var smem, CuDeviceAttribute.MaxSharedMemoryPerBlockOptin, _device));
        Check.Cu(NativeMethods.cuDeviceTotalMem(out var total, _device));
        Check.Cu(NativeMethods.cuDriverGetVersion(out var driver));
        ComputeCapability = major * 10 + minor;
        Multiprocessors = sms;
        MaxSharedBytesPerBlock = smem;
        TotalMemory = (long)total;
        DriverVersion = driver;
    }

    private unsafe delegate CuResult StringQuery(byte* buffer, int length, int device);

    public int Ordinal { get; }

    public nint Context { get; }

    public nint Stream => _stream;

    public string Name { get; }

    public string PciBusId { get; }

    /// <summary>major * 10 + minor: 90 for Hopper.</summary>
    public int ComputeCapability { get; }

    /// <summary>The NVRTC target: compute capability 9.0 gives <c>sm_90</c>.</summary>
    public string Architecture => $"sm_{ComputeCapability}";

    public int Multiprocessors { get; }

    /// <summary>Launch kernels with programmatic dependent launch (compute capability 9.0 and newer only).</summary>
    public bool ProgrammaticLaunch { get; set; }

    public int MaxSharedBytesPerBlock { get; }

    public long TotalMemory { get; }

    /// <summary>CUDA driver API version, 1000 * major + 10 * minor (13000 for CUDA 13.0).</summary>
    public int DriverVersion { get; }

    /// <summary>Opens GPU <paramref name="ordinal"/>; throws <see cref="CudaException"/> or <see cref="DllNotFoundException"/> when there is none.</summary>
    public static CudaDevice Open(int ordinal = 0) => new(ordinal);

    public void MakeCurrent() => Check.Cu(NativeMethods.cuCtxSetCurrent(Context));

    public void Synchronize() => Check.Cu(NativeMethods.cuStreamSynchronize(_stream));

    public override string ToString() => $"{Name} (sm_{ComputeCapability}, {Multiprocessors} SMs, {TotalMemory >> 20} MiB)";

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        MakeCurrent();
        NativeMethods.cuStreamSynchronize(_stream);
        NativeMethods.cuStreamDestroy(_stream);
        _stream = 0;
        NativeMethods.cuDevicePrimaryCtxRelease(_device);
    }

    private static unsafe string ReadString(StringQuery query, int device)
    {
        var buffer = stackalloc byte[256];
        Check.Cu(query(buffer, 256, device), "cuDeviceGetName/cuDeviceGetPCIBusId");
        return Marshal.PtrToStringUTF8((nint)buffer) ?? "";
    }
}
