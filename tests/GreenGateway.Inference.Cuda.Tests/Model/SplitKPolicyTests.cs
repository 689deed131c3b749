using System.Text.RegularExpressions;
using GreenGateway.Inference.Cuda.Compilation;
using GreenGateway.Inference.Cuda.Model;

namespace GreenGateway.Inference.Cuda.Tests.Model;

/// <summary>The split-K choice of the f16 products (DeviceMatrix.SplitsFor) and its agreement with matmul.cu.</summary>
public sealed partial class SplitKPolicyTests
{
    // An H200 has 132 SMs; 48 warps an SM is the default target. Llama-3.1-8B / 3.2-1B product shapes.
    [Theory]
    [InlineData(6144, 132, 48, 4)]    // 8B q/k/v: 3,072 row pairs
    [InlineData(4096, 132, 48, 4)]    // 8B o and down
    [InlineData(28672, 132, 48, 1)]   // 8B gate+up: enough rows already
    [InlineData(128256, 132, 48, 1)]  // LM head
    [InlineData(2048, 132, 48, 8)]    // 1B o and down: capped at 8
    [InlineData(333, 132, 48, 8)]
    [InlineData(4096, 132, 0, 1)]     // target 0: split-K off
    [InlineData(6336 * 2, 132, 48, 1)] // exactly the target: no split
    [InlineData(6336 * 2 - 2, 132, 48, 2)]
    public void SplitsFor_DoublesUntilTheRowPairsReachTheTarget(int rows, int sms, int target, int expected) =>
        Assert.Equal(expected, DeviceMatrix.SplitsFor(rows, sms, target));

    [Fact]
    public void HostConstants_MatchTheKernelsDefines()
    {
        var source = KernelSources.Load()["matmul.cu"].Text;
        Assert.Equal(DeviceMatrix.RowsPerGroup, int.Parse(RowsDefine().Match(source).Groups[1].Value));
        Assert.Equal(DeviceMatrix.MaxSplits, int.Parse(WarpsDefine().Match(source).Groups[1].Value));
    }

    [GeneratedRegex(@"#define GG_ROWS (\d+)")]
    private static partial Regex RowsDefine();

    [GeneratedRegex(@"#define GG_MAX_WARPS (\d+)")]
    private static partial Regex WarpsDefine();
}
