using System.Runtime.InteropServices;
using GreenGateway.Inference.Cuda.Native;

namespace GreenGateway.Inference.Cuda.Runtime;

/// <summary>A cuBLAS handle bound to the device's stream.</summary>
internal sealed class CublasHandle : SafeHandle
{
    private readonly nint _context;

    public CublasHandle(CudaDevice device)
        : base(0, ownsHandle: true)
    {
        _context = device.Context;
        device.MakeCurrent();
        Check.Cublas(NativeMethods.cublasCreate(out var h));
        SetHandle(h);
        Check.Cublas(NativeMethods.cublasSetStream(h, device.Stream));
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>
    /// y (n, rows) row-major f32 = W (rows, cols) row-major f16 times x (n, cols) row-major f16: in cuBLAS's
    /// column-major terms C (rows x n) = A^T B with A = W as (cols x rows) and B = x as (cols x n).
    /// </summary>
    /// <param name="ldy">Row stride of y (at least rows).</param>
    /// <param name="accumulate">Add to y (beta = 1, the residual add) instead of overwriting it.</param>
    public unsafe void GemmF16(ulong w, int rows, int cols, ulong x, int n, ulong y, int ldy, bool accumulate = false)
    {
        float alpha = 1, beta = accumulate ? 1 : 0;
        Check.Cublas(NativeMethods.cublasGemmEx(handle, 1, 0, rows, n, cols, &alpha, w, NativeMethods.CudaR16F, cols,
            x, NativeMethods.CudaR16F, cols, &beta, y, NativeMethods.CudaR32F, ldy, NativeMethods.CublasCompute32F, NativeMethods.CublasGemmDefault));
    }

    protected override bool ReleaseHandle()
    {
        NativeMethods.cuCtxSetCurrent(_context);
        return NativeMethods.cublasDestroy(handle) == 0;
    }
}
