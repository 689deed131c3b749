using System.Runtime.InteropServices;
using GreenGateway.Inference.Cuda.Runtime;
using GreenGateway.Inference.Models;

namespace GreenGateway.Inference.Cuda.Model;

/// <summary>One row of a forward pass as the kernels read it (kernels/gg_common.cuh's RowParam; 32 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RowParam
{
    public int Token;
    public int Position;
    public int Capacity;
    public int Pad;
    public ulong Keys;
    public ulong Values;
}

/// <summary>Device activations for forward passes of up to <see cref="Rows"/> rows, with pinned host staging.</summary>
internal sealed class CudaScratch : IDisposable
{
    public CudaScratch(CudaDevice device, ModelConfig c, int rows)
    {
        Rows = rows;
        X = Floats(device, rows * c.HiddenSize);
        Qkv = Floats(device, rows * (c.QDim + 2 * c.KvDim));
        Attention = Floats(device, rows * c.QDim);
        GateUp = Floats(device, rows * 2 * c.IntermediateSize);
        Logits = Floats(device, (long)rows * c.VocabSize);
        HalfInput = new DeviceBuffer(device, (long)rows * Math.Max(Math.Max(c.HiddenSize, c.QDim), c.IntermediateSize) * 2);
        Choice = new DeviceBuffer(device, rows * sizeof(int));
        RowParams = new DeviceBuffer(device, rows * Marshal.SizeOf<RowParam>());
        HostRows = new PinnedBuffer(device, rows * Marshal.SizeOf<RowParam>());
        HostLogits = new PinnedBuffer(device, (long)rows * c.VocabSize * sizeof(float));
        HostChoice = new PinnedBuffer(device, rows * sizeof(int));
    }

    public int Rows { get; }

    public DeviceBuffer X { get; } // (rows, dim): the residual stream

    public DeviceBuffer Qkv { get; } // (rows, q_dim + 2 * kv_dim)

    public DeviceBuffer Attention { get; } // (rows, q_dim)

    public DeviceBuffer GateUp { get; } // (rows, 2 * intermediate)

    public DeviceBuffer Logits { get; } // (rows, vocab)

    public DeviceBuffer HalfInput { get; } // (rows, max(dim, q_dim, intermediate)) f16: cuBLAS's activations

    public DeviceBuffer Choice { get; } // (rows) int: argmax of each logits row

    public DeviceBuffer RowParams { get; } // (rows) RowParam

    public PinnedBuffer HostRows { get; }

    public PinnedBuffer HostLogits { get; }

    public PinnedBuffer HostChoice { get; }

    public void Dispose()
    {
        foreach (var b in new SafeHandle[] { X, Qkv, Attention, GateUp, Logits, HalfInput, Choice, RowParams, HostRows, HostLogits, HostChoice })
        {
            b.Dispose();
        }
    }

    private static DeviceBuffer Floats(CudaDevice device, long count) => new(device, count * sizeof(float));
}
