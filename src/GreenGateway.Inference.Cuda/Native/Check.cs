using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GreenGateway.Inference.Cuda.Native;

/// <summary>
/// Every status code of every native call goes through here: anything but success becomes a
/// <see cref="CudaException"/> naming the call (the expression at the call site) and the library's error name.
/// </summary>
internal static class Check
{
    public static void Cu(CuResult result, [CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result != CuResult.Success)
        {
            throw CuFailure(result, call);
        }
    }

    public static CudaException CuFailure(CuResult result, string call)
    {
        var name = $"CUresult {(int)result}";
        var text = "";
        try
        {
            if (NativeMethods.cuGetErrorName(result, out var p) == CuResult.Success && p != 0)
            {
                name = Marshal.PtrToStringUTF8(p) ?? name;
            }

            if (NativeMethods.cuGetErrorString(result, out var s) == CuResult.Success && s != 0)
            {
                text = ": " + Marshal.PtrToStringUTF8(s);
            }
        }
        catch (DllNotFoundException)
        {
            // No driver to name the error; the number stands.
        }

        return new CudaException($"{Shorten(call)} failed with {name}{text}") { ErrorName = name };
    }

    public static void Nvrtc(int result, [CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result != 0)
        {
            var name = Marshal.PtrToStringUTF8(NativeMethods.nvrtcGetErrorString(result)) ?? $"nvrtcResult {result}";
            throw new CudaException($"{Shorten(call)} failed with {name}") { ErrorName = name };
        }
    }

    public static void Cublas(int result, [CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result != 0)
        {
            var name = Marshal.PtrToStringUTF8(NativeMethods.cublasGetStatusName(result)) ?? $"cublasStatus {result}";
            throw new CudaException($"{Shorten(call)} failed with {name}") { ErrorName = name };
        }
    }

    public static void Nvml(int result, [CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result != 0)
        {
            throw NvmlFailure(result, call);
        }
    }

    public static CudaException NvmlFailure(int result, string call)
    {
        var name = Marshal.PtrToStringUTF8(NativeMethods.nvmlErrorString(result)) ?? $"nvmlReturn {result}";
        return new CudaException($"{Shorten(call)} failed with NVML error {result} ({name})") { ErrorName = name };
    }

    /// <summary>The call's name without its arguments: "NativeMethods.cuMemAlloc(out var p, bytes)" gives "cuMemAlloc".</summary>
    internal static string Shorten(string call)
    {
        var open = call.IndexOf('(', StringComparison.Ordinal);
        var head = open < 0 ? call : call[..open];
        var dot = head.LastIndexOf('.');
        return dot < 0 ? head : head[(dot + 1)..];
    }
}
