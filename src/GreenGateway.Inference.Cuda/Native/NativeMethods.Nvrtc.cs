using System.Runtime.InteropServices;

namespace GreenGateway.Inference.Cuda.Native;

/// <summary>NVRTC (libnvrtc.so.13): run-time compilation of the CUDA C in kernels/ to a cubin for the device at hand.</summary>
internal static partial class NativeMethods
{
    [LibraryImport(Nvrtc)]
    internal static partial int nvrtcVersion(out int major, out int minor);

    [LibraryImport(Nvrtc)]
    internal static partial nint nvrtcGetErrorString(int result);

    [LibraryImport(Nvrtc)]
    internal static unsafe partial int nvrtcCreateProgram(out nint program, byte* source, byte* name, int headers,
        byte** headerSources, byte** includeNames);

    [LibraryImport(Nvrtc)]
    internal static unsafe partial int nvrtcCompileProgram(nint program, int options, byte** optionValues);

    [LibraryImport(Nvrtc)]
    internal static partial int nvrtcGetProgramLogSize(nint program, out nuint size);

    [LibraryImport(Nvrtc)]
    internal static unsafe partial int nvrtcGetProgramLog(nint program, byte* log);

    [LibraryImport(Nvrtc)]
    internal static partial int nvrtcGetCUBINSize(nint program, out nuint size);

    [LibraryImport(Nvrtc)]
    internal static unsafe partial int nvrtcGetCUBIN(nint program, byte* cubin);

    [LibraryImport(Nvrtc)]
    internal static partial int nvrtcDestroyProgram(ref nint program);
}
