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
    /// Forward passes of at least this many rows (prefill chunks, prompt scoring, verification, batched decode)
    /// multiply f16 weights with cuBLAS (tensor cores, f16 activations) instead of the own kernels (docs/cuda.md).
    /// 0 turns cuBLAS off. Int8 weights always use the own kernels. Default (null): <see cref="SmallModelCublasMinRows"/>,
    /// or <see cref="LargeModelCublasMinRows"/> for a model that reads at least <see cref="LargeModelBytes"/> of
    /// weights a token, where one cuBLAS pass over 2-15 rows costs less than the own kernels' (measured on an H200).
    /// </summary>
    public int? CublasMinRows { get; init; }

    /// <summary>cuBLAS from this many rows on for small models, where the own kernels win below it (the demo models).</summary>
    public const int SmallModelCublasMinRows = 16;

    /// <summary>cuBLAS for every pass of more than one row for large models.</summary>
    public const int LargeModelCublasMinRows = 2;

    /// <summary>Weight bytes a token from which a model counts as large (the Llama-3.2-1B shape reads 2.5 GB).</summary>
    public const long LargeModelBytes = 1_000_000_000;

    /// <summary>The cuBLAS threshold in force for a model that reads <paramref name="weightBytesPerToken"/> a token.</summary>
    public int CublasMinRowsFor(long weightBytesPerToken) =>
        CublasMinRows ?? (weightBytesPerToken >= LargeModelBytes ? LargeModelCublasMinRows : SmallModelCublasMinRows);

    /// <summary>
    /// Longest sequence a KV cache may hold (sizes attention's shared memory, a score a position). Default: the
    /// model's max_position_embeddings, or as many positions as that shared memory holds where it holds fewer
    /// (55,296 for head_dim 128 on an H200; a model of 131,072 then loads with that context). A value above what
    /// fits fails the load with a message saying so.
    /// </summary>
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

        if (CublasMinRows is < 0)
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
