namespace GreenGateway.Inference.Cuda.Model;

/// <summary>How the CUDA backend stores weight matrices on the GPU.</summary>
public enum CudaWeightFormat
{
    /// <summary>IEEE half precision, the demo checkpoints' own format (f16 checkpoints are kept exactly).</summary>
    F16,

    /// <summary>Weight-only int8 in groups of 32 with an f32 scale per group (the CPU engine's Int8 rule).</summary>
    Int8,
}

/// <summary>Settings of the CUDA backend.</summary>
public sealed record CudaOptions
{
    /// <summary>GPU ordinal. Default 0.</summary>
    public int Device { get; init; }

    /// <summary>Weight storage on the GPU. Default <see cref="CudaWeightFormat.F16"/>.</summary>
    public CudaWeightFormat Weights { get; init; } = CudaWeightFormat.F16;

    /// <summary>Capture the batch-1 decode step as a CUDA graph and replay it (one launch a token). Default true.</summary>
    public bool UseGraphs { get; init; } = true;

    /// <summary>Where compiled kernels are kept. Default <c>~/.cache/greengateway/cuda</c> (XDG_CACHE_HOME honoured).</summary>
    public string? ModuleCacheDirectory { get; init; }

    /// <summary>Read kernel sources from this folder instead of the copies embedded at build time. Default null.</summary>
    public string? KernelDirectory { get; init; }

    /// <summary>
    /// Launch kernels with programmatic dependent launch, so that each kernel's launch overlaps the end of the one
    /// before (measured: 13-19% more decode tokens/s on an H200, docs/cuda.md). Used only on compute capability 9.0
    /// and newer with a CUDA 12.3+ driver (graph capture of such launches); ignored elsewhere. Default true.
    /// </summary>
    public bool ProgrammaticLaunch { get; init; } = true;

    /// <summary>
    /// Forward passes of at least this many rows (prefill chunks, prompt scoring) multiply f16 weights with cuBLAS
    /// (tensor cores, f16 activations) instead of the own kernels, which win below it (docs/cuda.md). 0 turns cuBLAS
    /// off. Int8 weights always use the own kernels. Default 16.
    /// </summary>
    public int CublasMinRows { get; init; } = 16;

    /// <summary>Longest sequence a KV cache may hold (sizes attention's shared memory). Default: the model's max_position_embeddings.</summary>
    public int? MaxContextTokens { get; init; }

    /// <summary>Every problem at once, or an empty list.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Device < 0)
        {
            errors.Add($"Cuda:Device must be 0 or more, not {Device}");
        }

        if (!Enum.IsDefined(Weights))
        {
            errors.Add($"Cuda:Weights must be F16 or Int8, not {Weights}");
        }

        if (CublasMinRows < 0)
        {
            errors.Add($"Cuda:CublasMinRows must be 0 (off) or more, not {CublasMinRows}");
        }

        if (MaxContextTokens is < 2)
        {
            errors.Add($"Cuda:MaxContextTokens must be at least 2, not {MaxContextTokens}");
        }

        if (KernelDirectory is not null && !Directory.Exists(KernelDirectory))
        {
            errors.Add($"Cuda:KernelDirectory '{KernelDirectory}' does not exist");
        }

        return errors;
    }
}
