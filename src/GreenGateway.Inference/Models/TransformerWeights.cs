using GreenGateway.Inference.Kernels;

namespace GreenGateway.Inference.Models;

/// <summary>One decoder block's weights (shapes as (rows, cols); q_dim = heads * head_dim, kv_dim = kv_heads * head_dim).</summary>
internal sealed class LayerWeights
{
    public required float[] AttentionNorm { get; init; } // (dim)

    public required WeightMatrix Qkv { get; init; } // (q_dim + 2 * kv_dim, dim): q, k and v stacked

    public float[]? QkvBias { get; init; } // (q_dim + 2 * kv_dim), Qwen2 only

    public required WeightMatrix Output { get; init; } // (dim, q_dim)

    public required float[] MlpNorm { get; init; } // (dim)

    public required WeightMatrix GateUp { get; init; } // (2 * intermediate, dim): gate then up

    public required WeightMatrix Down { get; init; } // (dim, intermediate)
}

/// <summary>All weights of a model, and the mapped files they may point into.</summary>
internal sealed class TransformerWeights : IDisposable
{
    public required WeightMatrix Embedding { get; init; } // (vocab, dim)

    public required LayerWeights[] Layers { get; init; }

    public required float[] FinalNorm { get; init; } // (dim)

    public required WeightMatrix LmHead { get; init; } // (vocab, dim); the embedding itself when tied

    /// <summary>Mapped checkpoint files; f32 weights point into them.</summary>
    public IReadOnlyList<IDisposable> Sources { get; init; } = [];

    /// <summary>Bytes of weights one decoded token reads: every layer matrix, the final norm and the LM head.</summary>
    public long BytesPerToken
    {
        get
        {
            long total = LmHead.ByteSize + FinalNorm.Length * sizeof(float);
            foreach (var layer in Layers)
            {
                total += layer.Qkv.ByteSize + layer.Output.ByteSize + layer.GateUp.ByteSize + layer.Down.ByteSize;
                total += (layer.AttentionNorm.Length + layer.MlpNorm.Length) * sizeof(float);
            }

            return total;
        }
    }

    public void Dispose()
    {
        Embedding.Dispose();
        LmHead.Dispose();
        foreach (var layer in Layers)
        {
            layer.Qkv.Dispose();
            layer.Output.Dispose();
            layer.GateUp.Dispose();
            layer.Down.Dispose();
        }

        foreach (var source in Sources)
        {
            source.Dispose();
        }
    }
}
