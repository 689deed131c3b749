using System.Runtime.InteropServices;
using GreenGateway.Inference.Kernels;
using GreenGateway.Inference.Models;
using ILGPU.Runtime;

namespace GreenGateway.Inference.Ilgpu.Model;

/// <summary>Weight format on the accelerator.</summary>
public enum IlgpuWeightFormat
{
    /// <summary>f16, as the demo checkpoints store them (f32 checkpoints are rounded).</summary>
    F16,

    /// <summary>Weight-only int8 in groups of 32 with an f32 scale, the CPU engine's rule (Int8Matrix.Quantize).</summary>
    Int8,
}

/// <summary>A (Rows, Cols) weight matrix on the accelerator: f16 as 4 halves a ulong, or int8 as 8 bytes a ulong with f32 scales (rows, cols / 32).</summary>
internal sealed class IlgpuMatrix : IDisposable
{
    private IlgpuMatrix(int rows, int cols, IlgpuWeightFormat format, MemoryBuffer1D<ulong, ILGPU.Stride1D.Dense> data,
        MemoryBuffer1D<float, ILGPU.Stride1D.Dense>? scales)
    {
        Rows = rows;
        Cols = cols;
        Format = format;
        Data = data;
        Scales = scales;
    }

    public int Rows { get; }

    public int Cols { get; }

    public IlgpuWeightFormat Format { get; }

    public MemoryBuffer1D<ulong, ILGPU.Stride1D.Dense> Data { get; }

    public MemoryBuffer1D<float, ILGPU.Stride1D.Dense>? Scales { get; }

    public long ByteSize => Data.LengthInBytes + (Scales?.LengthInBytes ?? 0);

    /// <summary>Uploads a CPU matrix (read back row by row as f32); int8 falls back to f16 where cols is not a multiple of 32.</summary>
    public static unsafe IlgpuMatrix Upload(Accelerator accelerator, WeightMatrix w, IlgpuWeightFormat format)
    {
        var rows = w.Rows;
        var cols = w.Cols;
        if (cols % 4 != 0)
        {
            throw new NotSupportedException($"the ILGPU backend needs matrix widths divisible by 4 (8-byte loads); this one is {cols}.");
        }

        var values = new float[(long)rows * cols];
        for (var r = 0; r < rows; r++)
        {
            w.ReadRow(r, values.AsSpan((int)((long)r * cols), cols));
        }

        if (format == IlgpuWeightFormat.Int8 && cols % Int8Matrix.Group == 0)
        {
            using var q = Int8Matrix.Quantize(values, rows, cols);
            var count = (long)rows * cols;
            var data = accelerator.Allocate1D<ulong>(count / 8);
            data.View.CopyFromCPU(ref *(ulong*)q.Quants, count / 8);
            var scales = accelerator.Allocate1D<float>(count / Int8Matrix.Group);
            scales.View.CopyFromCPU(ref *q.Scales, count / Int8Matrix.Group);
            return new IlgpuMatrix(rows, cols, IlgpuWeightFormat.Int8, data, scales);
        }

        var half = new Half[values.Length];
        System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(values, half);

        var buffer = accelerator.Allocate1D<ulong>(half.Length / 4);
        buffer.View.CopyFromCPU(ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ulong>(half.AsSpan())), half.Length / 4);
        return new IlgpuMatrix(rows, cols, IlgpuWeightFormat.F16, buffer, null);
    }

    public void Dispose()
    {
        Data.Dispose();
        Scales?.Dispose();
    }
}

/// <summary>One decoder block on the accelerator (shapes as in the CUDA backend's CudaLayer).</summary>
internal sealed class IlgpuLayer : IDisposable
{
    public required MemoryBuffer1D<float, ILGPU.Stride1D.Dense> AttentionNorm { get; init; }

    public required IlgpuMatrix Qkv { get; init; }

    public MemoryBuffer1D<float, ILGPU.Stride1D.Dense>? QkvBias { get; init; }

    public required IlgpuMatrix Output { get; init; }

    public required MemoryBuffer1D<float, ILGPU.Stride1D.Dense> MlpNorm { get; init; }

    public required IlgpuMatrix GateUp { get; init; }

    public required IlgpuMatrix Down { get; init; }

    public long ByteSize => AttentionNorm.LengthInBytes + Qkv.ByteSize + Output.ByteSize + MlpNorm.LengthInBytes + GateUp.ByteSize + Down.ByteSize;

    public void Dispose()
    {
        AttentionNorm.Dispose();
        Qkv.Dispose();
        QkvBias?.Dispose();
        Output.Dispose();
        MlpNorm.Dispose();
        GateUp.Dispose();
        Down.Dispose();
    }
}

/// <summary>All weights of a model on the accelerator, uploaded from a model the CPU loader built.</summary>
internal sealed class IlgpuWeights : IDisposable
{
    public required IlgpuMatrix Embedding { get; init; }

    public required IlgpuLayer[] Layers { get; init; }

    public required MemoryBuffer1D<float, ILGPU.Stride1D.Dense> FinalNorm { get; init; }

    public required IlgpuMatrix LmHead { get; init; }

    /// <summary>Bytes one decoded token reads: every layer, the final norm and the LM head (as the CPU engine counts).</summary>
    public long BytesPerToken => LmHead.ByteSize + FinalNorm.LengthInBytes + Layers.Sum(static l => l.ByteSize);

    public static IlgpuWeights Upload(Accelerator accelerator, TransformerModel model, IlgpuWeightFormat format)
    {
        var w = model.Weights;
        var layers = new IlgpuLayer[w.Layers.Length];
        for (var i = 0; i < layers.Length; i++)
        {
            var l = w.Layers[i];
            layers[i] = new IlgpuLayer
            {
                AttentionNorm = Vector(accelerator, l.AttentionNorm),
                Qkv = IlgpuMatrix.Upload(accelerator, l.Qkv, format),
                QkvBias = l.QkvBias is null ? null : Vector(accelerator, l.QkvBias),
                Output = IlgpuMatrix.Upload(accelerator, l.Output, format),
                MlpNorm = Vector(accelerator, l.MlpNorm),
                GateUp = IlgpuMatrix.Upload(accelerator, l.GateUp, format),
                Down = IlgpuMatrix.Upload(accelerator, l.Down, format),
            };
        }

        var embedding = IlgpuMatrix.Upload(accelerator, w.Embedding, format);
        return new IlgpuWeights
        {
            Embedding = embedding,
            Layers = layers,
            FinalNorm = Vector(accelerator, w.FinalNorm),
            LmHead = ReferenceEquals(w.LmHead, w.Embedding) ? embedding : IlgpuMatrix.Upload(accelerator, w.LmHead, format),
        };
    }

    public static MemoryBuffer1D<float, ILGPU.Stride1D.Dense> Vector(Accelerator accelerator, ReadOnlySpan<float> values)
    {
        var b = accelerator.Allocate1D<float>(values.Length);
        b.View.CopyFromCPU(ref MemoryMarshal.GetReference(values), values.Length);
        return b;
    }

    public void Dispose()
    {
        foreach (var l in Layers)
        {
            l.Dispose();
        }

        if (!ReferenceEquals(LmHead, Embedding))
        {
            LmHead.Dispose();
        }

        Embedding.Dispose();
        FinalNorm.Dispose();
    }
}
