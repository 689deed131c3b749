using GreenGateway.Inference.Kernels;

namespace GreenGateway.Inference.Models;

/// <summary>How <see cref="ModelLoader"/> lays a model out in memory.</summary>
public sealed record LoadOptions
{
    /// <summary>
    /// Storage of float checkpoint weights: <see cref="WeightFormat.F32"/> (f32 read in place from the mapped file,
    /// f16/bf16 widened) or <see cref="WeightFormat.Int8"/> (weight-only int8, groups of 32). GGUF Q8_0/Q4_0
    /// tensors keep their quantized form either way. Default F32.
    /// </summary>
    public WeightFormat Weights { get; init; } = WeightFormat.F32;

    /// <summary>Kernel threads. Default: the processor count.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Validates the options, reporting every problem at once.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (Weights == WeightFormat.Q4_0)
        {
            errors.Add("Weights: Q4_0 is read from GGUF files only; choose F32 or Int8");
        }

        if (Threads < 1)
        {
            errors.Add($"Threads must be at least 1, not {Threads}");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid load options: " + string.Join("; ", errors) + ".");
        }
    }
}
