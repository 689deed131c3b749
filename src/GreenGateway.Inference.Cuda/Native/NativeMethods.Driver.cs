using System.Runtime.InteropServices;

namespace GreenGateway.Inference.Cuda.Native;

/// <summary>CUresult (cuda.h); only the values the code names. The name of any value comes from cuGetErrorName.</summary>
internal enum CuResult
{
    Success = 0,
    NotInitialized = 3,
    NoDevice = 100,
}

/// <summary>CUdevice_attribute values read (cuda.h).</summary>
internal enum CuDeviceAttribute
{
    MaxSharedMemoryPerBlock = 8,
    MultiprocessorCount = 16,
    ComputeCapabilityMajor = 75,
    ComputeCapabilityMinor = 76,
    MaxSharedMemoryPerBlockOptin = 97,
}

/// <summary>CUlaunchAttribute (cuda.h): an id, padding to 8 bytes, and a 64-byte value union.</summary>
[StructLayout(LayoutKind.Explicit, Size = 72)]
internal struct CuLaunchAttribute
{
    /// <summary>CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION.</summary>
    public const int ProgrammaticStreamSerialization = 6;

    [FieldOffset(0)]
    public int Id;

    [FieldOffset(8)]
    public int Value;
}

/// <summary>CUlaunchConfig (cuda.h).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CuLaunchConfig
{
    public uint GridX;
    public uint GridY;
    public uint GridZ;
    public uint BlockX;
    public uint BlockY;
    public uint BlockZ;
    public uint SharedBytes;
    public nint Stream;
    public CuLaunchAttribute* Attributes;
    public uint AttributeCount;
}

/// <summary>The CUDA driver API (libcuda.so.1). Versioned entry points (_v2) are the ones cuda.h maps to in CUDA 12/13.</summary>
internal static partial class NativeMethods
{
    [LibraryImport(Driver)]
    internal static partial CuResult cuInit(uint flags);

    [LibraryImport(Driver)]
    internal static partial CuResult cuDriverGetVersion(out int version);

    [LibraryImport(Driver)]
    internal static partial CuResult cuGetErrorName(CuResult error, out nint name);

    [LibraryImport(Driver)]
    internal static partial CuResult cuGetErrorString(CuResult error, out nint text);

    [LibraryImport(Driver)]
    internal static partial CuResult cuDeviceGetCount(out int count);

    [LibraryImport(Driver)]
    internal static partial CuResult cuDeviceGet(out int device, int ordinal);

    [LibraryImport(Driver)]
    internal static unsafe partial CuResult cuDeviceGetName(byte* name, int length, int device);

    [LibraryImport(Driver)]
    internal static partial CuResult cuDeviceGetAttribute(out int value, CuDeviceAttribute attribute, int device);

    [LibraryImport(Driver, EntryPoint = "cuDeviceTotalMem_v2")]
    internal static partial CuResult cuDeviceTotalMem(out nuint bytes, int device);

    [LibraryImport(Driver)]
    internal static unsafe partial CuResult cuDeviceGetPCIBusId(byte* busId, int length, int device);

    [LibraryImport(Driver)]
    internal static partial CuResult cuDevicePrimaryCtxRetain(out nint context, int device);

    [LibraryImport(Driver, EntryPoint = "cuDevicePrimaryCtxRelease_v2")]
    internal static partial CuResult cuDevicePrimaryCtxRelease(int device);

    [LibraryImport(Driver)]
    internal static partial CuResult cuCtxSetCurrent(nint context);

    [LibraryImport(Driver, EntryPoint = "cuMemAlloc_v2")]
    internal static partial CuResult cuMemAlloc(out ulong pointer, nuint bytes);

    [LibraryImport(Driver, EntryPoint = "cuMemFree_v2")]
    internal static partial CuResult cuMemFree(ulong pointer);

    [LibraryImport(Driver)]
    internal static partial CuResult cuMemHostAlloc(out nint pointer, nuint bytes, uint flags);

    [LibraryImport(Driver)]
    internal static partial CuResult cuMemFreeHost(nint pointer);

    [LibraryImport(Driver, EntryPoint = "cuMemcpyHtoD_v2")]
    internal static partial CuResult cuMemcpyHtoD(ulong destination, nint source, nuint bytes);

    [LibraryImport(Driver, EntryPoint = "cuMemcpyDtoH_v2")]
    internal static partial CuResult cuMemcpyDtoH(nint destination, ulong source, nuint bytes);

    [LibraryImport(Driver, EntryPoint = "cuMemcpyHtoDAsync_v2")]
    internal static partial CuResult cuMemcpyHtoDAsync(ulong destination, nint source, nuint bytes, nint stream);

    [LibraryImport(Driver, EntryPoint = "cuMemcpyDtoHAsync_v2")]
    internal static partial CuResult cuMemcpyDtoHAsync(nint destination, ulong source, nuint bytes, nint stream);

    [LibraryImport(Driver, EntryPoint = "cuMemcpyDtoDAsync_v2")]
    internal static partial CuResult cuMemcpyDtoDAsync(ulong destination, ulong source, nuint bytes, nint stream);

    [LibraryImport(Driver)]
    internal static partial CuResult cuMemsetD32Async(ulong destination, uint value, nuint count, nint stream);

    [LibraryImport(Driver)]
    internal static partial CuResult cuModuleLoadData(out nint module, nint image);

    [LibraryImport(Driver)]
    internal static partial CuResult cuModuleUnload(nint module);

    [LibraryImport(Driver, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial CuResult cuModuleGetFunction(out nint function, nint module, string name);

    /// <summary>CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8.</summary>
    [LibraryImport(Driver)]
    internal static partial CuResult cuFuncSetAttribute(nint function, int attribute, int value);

    [LibraryImport(Driver)]
    internal static unsafe partial CuResult cuLaunchKernel(nint function, uint gridX, uint gridY, uint gridZ,
        uint blockX, uint blockY, uint blockZ, uint sharedBytes, nint stream, void** parameters, void** extra);

    [LibraryImport(Driver)]
    internal static unsafe partial CuResult cuLaunchKernelEx(CuLaunchConfig* config, nint function, void** parameters, void** extra);

    /// <summary>flags 1 = CU_STREAM_NON_BLOCKING (no implicit sync with the legacy stream; required for capture).</summary>
    [LibraryImport(Driver)]
    internal static partial CuResult cuStreamCreate(out nint stream, uint flags);

    [LibraryImport(Driver, EntryPoint = "cuStreamDestroy_v2")]
    internal static partial CuResult cuStreamDestroy(nint stream);

    [LibraryImport(Driver)]
    internal static partial CuResult cuStreamSynchronize(nint stream);

    /// <summary>mode 1 = CU_STREAM_CAPTURE_MODE_THREAD_LOCAL.</summary>
    [LibraryImport(Driver, EntryPoint = "cuStreamBeginCapture_v2")]
    internal static partial CuResult cuStreamBeginCapture(nint stream, int mode);

    [LibraryImport(Driver)]
    internal static partial CuResult cuStreamEndCapture(nint stream, out nint graph);

    [LibraryImport(Driver)]
    internal static partial CuResult cuGraphInstantiateWithFlags(out nint graphExec, nint graph, ulong flags);

    [LibraryImport(Driver)]
    internal static partial CuResult cuGraphDestroy(nint graph);

    [LibraryImport(Driver)]
    internal static partial CuResult cuGraphExecDestroy(nint graphExec);

    [LibraryImport(Driver)]
    internal static partial CuResult cuGraphLaunch(nint graphExec, nint stream);
}
