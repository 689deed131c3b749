using System.Text.RegularExpressions;
using GreenGateway.Inference.Cuda.Compilation;
using GreenGateway.Inference.Cuda.Model;

namespace GreenGateway.Inference.Cuda.Tests.Model;

/// <summary>The split-K choice of the f16 products (DeviceMatrix.SplitsFor) and its agreement with matmul.cu.</summary>
public sealed partial class SplitKPolicyTests
{
    // An H200 has 132 SMs; 48 warps an SM is the default target. Llama-3.1-8B / 3.2-1B product shapes.
    [Theory]
    [InlineData(6144, 132, 48, 2, 4)]    // 8B q/k/v, two rows a group: 3,072 row pairs
    [InlineData(6144, 132, 48, 4, 4)]    // four rows a group: 1,536 groups; 8 would reach the target, 4 is the cap
    [InlineData(4096, 132, 48, 4, 4)]    // 8B o and down
    [InlineData(28672, 132, 48, 2, 2)]   // 8B gate+up: enough rows already, but never fewer than 2
    [InlineData(28672, 132, 48, 4, 2)]
    [InlineData(128256, 132, 48, 4, 2)]  // LM head
    [InlineData(3072, 132, 48, 4, 4)]    // 1B q/k/v
    [InlineData(333, 132, 48, 4, 4)]
    [InlineData(4096, 132, 0, 4, 1)]     // target 0: split-K off
    [InlineData(12672, 132, 48, 4, 2)]   // 3,168 groups of four x 2 warps = 6,336: the target exactly
    [InlineData(12668, 132, 48, 4, 4)]   // 3,167 groups: 2 falls just short
    [InlineData(100, 4, 8, 4, 2)]        // a small GPU: 25 groups x 2 = 50 >= 32
    public void SplitsFor_DoublesFromTwoUntilTheTargetOrFour(int rows, int sms, int target, int rowsPerGroup, int expected) =>
        Assert.Equal(expected, DeviceMatrix.SplitsFor(rows, sms, target, rowsPerGroup));

    [Fact]
    public void HostConstants_MatchTheKernelsDefines()
    {
        var sources = KernelSources.Load();
        Assert.Equal(4, KernelSources.F16RowsPerGroup(sources));
        Assert.Equal(DeviceMatrix.MaxSplits, int.Parse(WarpsDefine().Match(sources["matmul.cu"].Text).Groups[1].Value));
    }

    [Theory]
    [InlineData("#define GG_TOKENS 4\n#define GG_ROWS 2\n", 2)]
    [InlineData("#define GG_ROWS 8\r\n#define GG_UNROLL 1\n", 8)]
    [InlineData("// no define: the kernels before GG_ROWS existed took two\n", 2)]
    public void RowsPerGroup_IsReadFromTheKernelSource(string matmul, int expected)
    {
        var sources = new Dictionary<string, KernelSource> { ["matmul.cu"] = new("matmul.cu", matmul) };
        Assert.Equal(expected, KernelSources.F16RowsPerGroup(sources));
    }

    [GeneratedRegex(@"#define GG_MAX_WARPS (\d+)")]
    private static partial Regex WarpsDefine();
}
