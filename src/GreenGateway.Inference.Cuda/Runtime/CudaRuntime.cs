using GreenGateway.Inference.Cuda.Native;

namespace GreenGateway.Inference.Cuda.Runtime;

/// <summary>Whether this machine can run the CUDA backend at all, and if not, why.</summary>
public static class CudaRuntime
{
    /// <summary>True when the driver loads, initializes and sees at least one GPU; else false and the reason.</summary>
    public static bool Probe(out string reason)
    {
        try
        {
            NativeMethods.EnsureResolver();
            var init = NativeMethods.cuInit(0);
            if (init != CuResult.Success)
            {
                reason = Check.CuFailure(init, "cuInit").Message;
                return false;
            }

            Check.Cu(NativeMethods.cuDeviceGetCount(out var count));
            if (count == 0)
            {
                reason = "the CUDA driver sees no GPU";
                return false;
            }

            reason = $"{count} GPU(s)";
            return true;
        }
        catch (DllNotFoundException)
        {
            reason = "no CUDA driver (libcuda.so.1 was not found)";
            return false;
        }
        catch (Exception e) when (e is CudaException or EntryPointNotFoundException)
        {
            reason = e.Message;
            return false;
        }
    }
}
