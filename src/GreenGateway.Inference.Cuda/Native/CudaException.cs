namespace GreenGateway.Inference.Cuda.Native;

/// <summary>A CUDA, NVRTC or NVML call that failed; the message names the call and the library's name for the error.</summary>
public sealed class CudaException : Exception
{
    public CudaException(string message)
        : base(message)
    {
    }

    public CudaException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>The library's name for the error (CUDA_ERROR_OUT_OF_MEMORY, NVRTC_ERROR_COMPILATION, ...).</summary>
    public string? ErrorName { get; init; }
}
