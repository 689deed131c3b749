using GreenGateway.Inference.Cuda.Model;

namespace GreenGateway.Inference.Cuda.Tests.Model;

/// <summary>The default context on CUDA: no more positions than attention's shared memory holds a score for.</summary>
public sealed class AttentionContextTests
{
    [Theory]
    [InlineData(128, 232448, 55296)] // Llama 3.1 8B's head_dim on an H200 (227 KB a block): less than its 131,072
    [InlineData(64, 232448, 55552)]
    [InlineData(48, 49152, 9792)]   // the demo draft's head_dim with the 48 KB every GPU has
    public void PositionsThatFit_FillTheSharedMemoryLessTheKernelsOwnArrays(int headDim, int sharedBytes, int expected)
    {
        var fit = CudaModel.AttentionPositionsThatFit(headDim, sharedBytes);
        var dynamicLimit = sharedBytes - CudaModel.AttentionStaticSharedBytes;

        Assert.Equal(expected, fit);
        Assert.Equal(dynamicLimit, CudaModel.AttentionSharedBytes(headDim, fit));
        Assert.True(CudaModel.AttentionSharedBytes(headDim, fit + 1) > dynamicLimit);
    }
}
