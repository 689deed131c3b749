using System.Runtime.InteropServices;
using GreenGateway.Inference.Cuda.Model;
using GreenGateway.Inference.Cuda.Native;
using GreenGateway.Inference.Cuda.Runtime;

namespace GreenGateway.Inference.Cuda.Tests.Native;

public sealed class InteropLayoutTests
{
    [Fact]
    public void RowParam_HasTheLayoutOfGgCommonCuh()
    {
        // struct RowParam { int token; int position; int capacity; int pad; float* keys; float* values; } on x86-64.
        Assert.Equal(32, Marshal.SizeOf<RowParam>());
        Assert.Equal(16, (int)Marshal.OffsetOf<RowParam>(nameof(RowParam.Keys)));
        Assert.Equal(24, (int)Marshal.OffsetOf<RowParam>(nameof(RowParam.Values)));
        Assert.Contains("int pad;\n    float* keys;\n    float* values;", File.ReadAllText(Path.Combine(RepoPaths.Kernels, "gg_common.cuh")), StringComparison.Ordinal);
    }

    [Fact]
    public void LaunchStructs_HaveTheLayoutOfCudaH()
    {
        // CUlaunchAttribute: id, 4 bytes of padding, a 64-byte union; CUlaunchConfig: 7 uints, stream, attrs, numAttrs.
        Assert.Equal(72, Marshal.SizeOf<CuLaunchAttribute>());
        Assert.Equal(56, Marshal.SizeOf<CuLaunchConfig>());
        Assert.Equal(32, (int)Marshal.OffsetOf<CuLaunchConfig>(nameof(CuLaunchConfig.Stream)));
        Assert.Equal(40, (int)Marshal.OffsetOf<CuLaunchConfig>(nameof(CuLaunchConfig.Attributes)));
    }

    [Fact]
    public void KernelArg_PacksIntsAndFloatsInTheLowBytes()
    {
        Assert.Equal(-7L, ((KernelArg)(-7)).Bits);
        Assert.Equal(BitConverter.SingleToInt32Bits(1.5f), ((KernelArg)1.5f).Bits);
        Assert.Equal(0L, ((KernelArg)(DeviceBuffer?)null).Bits);
    }

    [Theory]
    [InlineData("NativeMethods.cuMemAlloc(out var p, (nuint)bytes)", "cuMemAlloc")]
    [InlineData("cuInit", "cuInit")]
    [InlineData("cuLaunchKernel[matvec_f16]", "cuLaunchKernel[matvec_f16]")]
    public void Check_NamesTheCallWithoutItsArguments(string expression, string expected) => Assert.Equal(expected, Check.Shorten(expression));

    [Fact]
    public void Libraries_AreLookedUpByTheirVersionedSonamesFirst()
    {
        Assert.Equal("libcuda.so.1", NativeMethods.Candidates(NativeMethods.Driver)[0]);
        Assert.Equal("libnvrtc.so.13", NativeMethods.Candidates(NativeMethods.Nvrtc)[0]);
        Assert.Equal("libcublas.so.13", NativeMethods.Candidates(NativeMethods.Cublas)[0]);
        Assert.Equal("libnvidia-ml.so.1", NativeMethods.Candidates(NativeMethods.Nvml)[0]);
    }
}
