using System.Runtime.InteropServices;
using System.Text;
using GreenGateway.Inference.Cuda.Native;

namespace GreenGateway.Inference.Cuda.Compilation;

/// <summary>Compiles one kernel file to a cubin for one architecture with NVRTC; the compiler's log is in the error.</summary>
internal static class NvrtcCompiler
{
    /// <summary>Options for every kernel: the exact target (a cubin, not PTX for the driver to finish), fast builds off.</summary>
    public static IReadOnlyList<string> Options(string architecture) =>
        [$"--gpu-architecture={architecture}", "--std=c++17", "-default-device", "--fmad=true"];

    public static string Version()
    {
        NativeMethods.EnsureResolver();
        Check.Nvrtc(NativeMethods.nvrtcVersion(out var major, out var minor));
        return $"{major}.{minor}";
    }

    public static unsafe byte[] Compile(KernelSource source, KernelSource header, IReadOnlyList<string> options)
    {
        NativeMethods.EnsureResolver();
        var text = Utf8(source.Text);
        var name = Utf8(source.Name);
        var headerText = Utf8(header.Text);
        var headerName = Utf8(header.Name);
        var optionBytes = options.Select(Utf8).ToArray();
        var handles = new List<GCHandle>();
        try
        {
            byte* Pin(byte[] b)
            {
                var h = GCHandle.Alloc(b, GCHandleType.Pinned);
                handles.Add(h);
                return (byte*)h.AddrOfPinnedObject();
            }

            var headers = stackalloc byte*[1];
            var includes = stackalloc byte*[1];
            headers[0] = Pin(headerText);
            includes[0] = Pin(headerName);
            Check.Nvrtc(NativeMethods.nvrtcCreateProgram(out var program, Pin(text), Pin(name), 1, headers, includes));
            try
            {
                var optionPointers = stackalloc byte*[optionBytes.Length];
                for (var i = 0; i < optionBytes.Length; i++)
                {
                    optionPointers[i] = Pin(optionBytes[i]);
                }

                var result = NativeMethods.nvrtcCompileProgram(program, optionBytes.Length, optionPointers);
                if (result != 0)
                {
                    var error = Marshal.PtrToStringUTF8(NativeMethods.nvrtcGetErrorString(result));
                    throw new CudaException($"NVRTC could not compile {source.Name} ({error}):\n{Log(program)}") { ErrorName = error };
                }

                Check.Nvrtc(NativeMethods.nvrtcGetCUBINSize(program, out var size));
                var cubin = new byte[(int)size];
                fixed (byte* p = cubin)
                {
                    Check.Nvrtc(NativeMethods.nvrtcGetCUBIN(program, p));
                }

                return cubin;
            }
            finally
            {
                NativeMethods.nvrtcDestroyProgram(ref program);
            }
        }
        finally
        {
            foreach (var h in handles)
            {
                h.Free();
            }
        }
    }

    private static unsafe string Log(nint program)
    {
        if (NativeMethods.nvrtcGetProgramLogSize(program, out var size) != 0 || size <= 1)
        {
            return "(no log)";
        }

        var log = new byte[(int)size];
        fixed (byte* p = log)
        {
            NativeMethods.nvrtcGetProgramLog(program, p);
        }

        return Encoding.UTF8.GetString(log, 0, log.Length - 1);
    }

    private static byte[] Utf8(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
