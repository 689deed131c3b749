using System.Reflection;
using GreenGateway.Inference.Ilgpu.Kernels;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace GreenGateway.Inference.Ilgpu.Tests.Kernels;

/// <summary>
/// Every kernel compiled to PTX by ILGPU's PTX backend, with no GPU: the CPU accelerator runs the kernels' IL as it is,
/// so only this compile catches what ILGPU cannot lower for CUDA (the first GPU run failed there with an internal
/// compiler error that the CPU tests could not see).
/// </summary>
public sealed class PtxCompilationTests
{
    [Theory]
    [InlineData(nameof(DecoderKernels.MatVecF16), false)]
    [InlineData(nameof(DecoderKernels.MatVecI8), false)]
    [InlineData(nameof(DecoderKernels.EmbedF16), true)]
    [InlineData(nameof(DecoderKernels.EmbedI8), true)]
    [InlineData(nameof(DecoderKernels.RopeStore), false)]
    [InlineData(nameof(DecoderKernels.Attention), false)]
    [InlineData(nameof(DecoderKernels.ArgMax), false)]
    public void Kernel_compiles_to_ptx(string name, bool implicitlyGrouped)
    {
        using var context = Context.Create(b => b.Optimize(OptimizationLevel.O1).EnableAlgorithms());
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_80), CudaArchitecture.SM_80, CudaInstructionSet.ISA_80, null);
        var method = typeof(DecoderKernels).GetMethod(name, BindingFlags.Public | BindingFlags.Static)!;
        var entry = implicitlyGrouped ? EntryPointDescription.FromImplicitlyGroupedKernel(method) : EntryPointDescription.FromExplicitlyGroupedKernel(method);
        var kernel = (PTXCompiledKernel)backend.Compile(entry, default);
        Assert.Contains(".entry", kernel.PTXAssembly, StringComparison.Ordinal);
    }
}
