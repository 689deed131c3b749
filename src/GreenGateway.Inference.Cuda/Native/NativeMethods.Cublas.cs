using System.Runtime.InteropServices;

namespace GreenGateway.Inference.Cuda.Native;

/// <summary>cuBLAS (libcublas.so.13): dense products, measured against the own kernels (docs/cuda.md).</summary>
internal static partial class NativeMethods
{
    /// <summary>cudaDataType_t (library_types.h).</summary>
    internal const int CudaR32F = 0;
    internal const int CudaR16F = 2;

    /// <summary>cublasComputeType_t CUBLAS_COMPUTE_32F (cublas_api.h).</summary>
    internal const int CublasCompute32F = 68;

    /// <summary>cublasGemmAlgo_t CUBLAS_GEMM_DEFAULT.</summary>
    internal const int CublasGemmDefault = -1;

    [LibraryImport(Cublas, EntryPoint = "cublasCreate_v2")]
    internal static partial int cublasCreate(out nint handle);

    [LibraryImport(Cublas, EntryPoint = "cublasDestroy_v2")]
    internal static partial int cublasDestroy(nint handle);

    [LibraryImport(Cublas, EntryPoint = "cublasSetStream_v2")]
    internal static partial int cublasSetStream(nint handle, nint stream);

    [LibraryImport(Cublas)]
    internal static partial nint cublasGetStatusName(int status);

    /// <summary>C = alpha op(A) op(B) + beta C, column-major; transa/transb 0 = N, 1 = T.</summary>
    [LibraryImport(Cublas)]
    internal static unsafe partial int cublasGemmEx(nint handle, int transa, int transb, int m, int n, int k, float* alpha,
        ulong a, int aType, int lda, ulong b, int bType, int ldb, float* beta, ulong c, int cType, int ldc, int computeType, int algo);
}
