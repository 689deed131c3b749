using System.Runtime.InteropServices;

namespace GreenGateway.Inference.Cuda.Native;

/// <summary>NVML (libnvidia-ml.so.1, shipped with the driver): the GPU's energy counter.</summary>
internal static partial class NativeMethods
{
    [LibraryImport(Nvml, EntryPoint = "nvmlInit_v2")]
    internal static partial int nvmlInit();

    [LibraryImport(Nvml)]
    internal static partial int nvmlShutdown();

    [LibraryImport(Nvml)]
    internal static partial nint nvmlErrorString(int result);

    [LibraryImport(Nvml, EntryPoint = "nvmlDeviceGetHandleByPciBusId_v2", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int nvmlDeviceGetHandleByPciBusId(string busId, out nint device);

    [LibraryImport(Nvml, EntryPoint = "nvmlDeviceGetHandleByIndex_v2")]
    internal static partial int nvmlDeviceGetHandleByIndex(uint index, out nint device);

    /// <summary>Energy since the driver was last loaded, millijoules (Volta and newer).</summary>
    [LibraryImport(Nvml)]
    internal static partial int nvmlDeviceGetTotalEnergyConsumption(nint device, out ulong millijoules);
}
