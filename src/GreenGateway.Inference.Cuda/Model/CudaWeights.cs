using GreenGateway.Inference.Cuda.Runtime;
using GreenGateway.Inference.Models;

namespace GreenGateway.Inference.Cuda.Model;

/// <summary>One decoder block on the GPU (shapes as (rows, cols); q_dim = heads * head_dim, kv_dim = kv_heads * head_dim).</summary>
internal sealed class CudaLayer : IDisposable
{
    public required DeviceBuffer AttentionNorm { get; init; } // (dim) f32

    public required DeviceMatrix Qkv { get; init; } // (q_dim + 2 * kv_dim, dim): q, k and v stacked

    public DeviceBuffer? QkvBias { get; init; } // (q_dim + 2 * kv_dim) f32, Qwen2 only

    public required DeviceMatrix Output { get; init; } // (dim, q_dim)

    public required DeviceBuffer MlpNorm { get; init; } // (dim) f32

    public required DeviceMatrix GateUp { get; init; } // (2 * intermediate, dim): gate then up

    public required DeviceMatrix Down { get; init; } // (dim, intermediate)

    public long ByteSize => AttentionNorm.Bytes + Qkv.ByteSize + Output.ByteSize + MlpNorm.Bytes + GateUp.ByteSize + Down.ByteSize;

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

/// <summary>All weights of a model on the GPU, uploaded from a model the CPU loader built.</summary>
internal sealed class CudaWeights : IDisposable
{
    public required DeviceMatrix Embedding { get; init; } // (vocab, dim)

    public required CudaLayer[] Layers { get; init; }

    public required DeviceBuffer FinalNorm { get; init; } // (dim) f32

    public required DeviceMatrix LmHead { get; init; } // (vocab, dim); the embedding itself when tied

    public required DeviceBuffer InverseFrequencies { get; init; } // (head_dim / 2) f32, scaling applied

    /// <summary>Bytes one decoded token reads: every layer, the final norm and the LM head (as the CPU engine counts).</summary>
    public long BytesPerToken
    {
        get
        {
            var total = LmHead.ByteSize + FinalNorm.Bytes;
            foreach (var l in Layers)
            {
                total += l.ByteSize;
            }

            return total;
        }
    }

    public static CudaWeights Upload(CudaDevice device, TransformerModel model, CudaWeightFormat format)
    {
        var w = model.Weights;
        var layers = new CudaLayer[w.Layers.Length];
        for (var i = 0; i < layers.Length; i++)
        {
            var l = w.Layers[i];
            layers[i] = new CudaLayer
            {
                AttentionNorm = Vector(device, l.AttentionNorm),
                Qkv = DeviceMatrix.Upload(device, l.Qkv, format),
                QkvBias = l.QkvBias is null ? null : Vector(device, l.QkvBias),
                Output = DeviceMatrix.Upload(device, l.Output, format),
                MlpNorm = Vector(device, l.MlpNorm),
                GateUp = DeviceMatrix.Upload(device, l.GateUp, format),
                Down = DeviceMatrix.Upload(device, l.Down, format),
            };
        }

        var embedding = DeviceMatrix.Upload(device, w.Embedding, format);
        return new CudaWeights
        {
            Embedding = embedding,
            Layers = layers,
            FinalNorm = Vector(device, w.FinalNorm),
            LmHead = ReferenceEquals(w.LmHead, w.Embedding) ? embedding : DeviceMatrix.Upload(device, w.LmHead, format),
            InverseFrequencies = Vector(device, model.InverseFrequencies),
        };
    }

    public static DeviceBuffer Vector(CudaDevice device, ReadOnlySpan<float> values)
    {
        var b = new DeviceBuffer(device, (long)values.Length * sizeof(float));
        b.Upload(values);
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
        InverseFrequencies.Dispose();
    }
}

/// <summary>A sequence's keys and values on the GPU: (layers, capacity, kv_dim) f32 each.</summary>
internal sealed class CudaKvStorage(CudaModel owner, DeviceBuffer keys, DeviceBuffer values) : IDisposable
{
    public CudaModel Owner { get; } = owner;

    public DeviceBuffer Keys { get; } = keys;

    public DeviceBuffer Values { get; } = values;

    public void Dispose()
    {
        Keys.Dispose();
        Values.Dispose();
    }
}
