using System.Reflection;
using System.Runtime.InteropServices;

namespace GreenGateway.Inference.Cuda.Native;

/// <summary>
/// P/Invoke declarations, one partial file per native library (driver, NVRTC, cuBLAS, NVML). The libraries are
/// found by <see cref="Resolve"/>: the versioned soname first, then the CUDA toolkit's folders, then the folders in
/// <c>GG_CUDA_LIBRARY_PATH</c> (colon-separated), so a machine with only the driver fails at the first call
/// with a <see cref="DllNotFoundException"/> that <see cref="CudaRuntime.Probe"/> turns into a reason.
/// </summary>
internal static partial class NativeMethods
{
    internal const string Driver = "cuda";
    internal const string Nvrtc = "nvrtc";
    internal const string Cublas = "cublas";
    internal const string Nvml = "nvidia-ml";

    private static readonly string[] ToolkitFolders =
    [
        "/usr/local/cuda/lib64",
        "/usr/local/cuda/targets/x86_64-linux/lib",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/local/nvidia/lib64",
    ];

    static NativeMethods() => NativeLibrary.SetDllImportResolver(typeof(NativeMethods).Assembly, Resolve);

    /// <summary>Forces the resolver to be registered before any other P/Invoke of this assembly runs.</summary>
    internal static void EnsureResolver()
    {
    }

    /// <summary>Sonames tried for a library, newest CUDA first.</summary>
    internal static string[] Candidates(string library) => library switch
    {
        Driver => ["libcuda.so.1", "libcuda.so"],
        Nvrtc => ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"],
        Cublas => ["libcublas.so.13", "libcublas.so.12", "libcublas.so"],
        Nvml => ["libnvidia-ml.so.1", "libnvidia-ml.so"],
        _ => [library],
    };

    private static nint Resolve(string library, Assembly assembly, DllImportSearchPath? path)
    {
        var names = Candidates(library);
        foreach (var name in names)
        {
            if (NativeLibrary.TryLoad(name, out var handle))
            {
                return handle;
            }
        }

        var extra = Environment.GetEnvironmentVariable("GG_CUDA_LIBRARY_PATH")?.Split(':', StringSplitOptions.RemoveEmptyEntries) ?? [];
        var cudaPath = Environment.GetEnvironmentVariable("CUDA_PATH");
        IEnumerable<string> folders = cudaPath is null ? [.. extra, .. ToolkitFolders] : [.. extra, Path.Combine(cudaPath, "lib64"), .. ToolkitFolders];
        foreach (var folder in folders)
        {
            foreach (var name in names)
            {
                if (NativeLibrary.TryLoad(Path.Combine(folder, name), out var handle))
                {
                    return handle;
                }
            }
        }

        return 0;
    }
}
