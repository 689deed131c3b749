namespace GreenGateway.Inference.Models;

/// <summary>Pinned activation buffers for a forward pass of up to <see cref="Tokens"/> tokens.</summary>
internal sealed class ForwardScratch
{
    public ForwardScratch(ModelConfig c, int tokens)
    {
        Tokens = tokens;
        X = Pinned(tokens * c.HiddenSize);
        Normed = Pinned(tokens * c.HiddenSize);
        Delta = Pinned(tokens * c.HiddenSize);
        Qkv = Pinned(tokens * (c.QDim + 2 * c.KvDim));
        Attention = Pinned(tokens * c.QDim);
        GateUp = Pinned(tokens * 2 * c.IntermediateSize);
        Hidden = Pinned(tokens * c.IntermediateSize);
        Cos = Pinned(tokens * c.HeadDim / 2);
        Sin = Pinned(tokens * c.HeadDim / 2);
        RowCache = new KvCache[tokens];
        RowPosition = new int[tokens];
        RowKeys = new nint[tokens];
        RowValues = new nint[tokens];
    }

    public int Tokens { get; }

    public float[] X { get; } // (tokens, dim): the residual stream

    public float[] Normed { get; } // (tokens, dim)

    public float[] Delta { get; } // (tokens, dim): attention or MLP output before the residual add

    public float[] Qkv { get; } // (tokens, q_dim + 2 * kv_dim)

    public float[] Attention { get; } // (tokens, q_dim)

    public float[] GateUp { get; } // (tokens, 2 * intermediate)

    public float[] Hidden { get; } // (tokens, intermediate)

    public float[] Cos { get; } // (tokens, head_dim / 2)

    public float[] Sin { get; } // (tokens, head_dim / 2)

    public KvCache[] RowCache { get; } // the sequence each row belongs to

    public int[] RowPosition { get; } // each row's position in its sequence

    public nint[] RowKeys { get; } // (tokens): the current layer's key cache of each row's sequence

    public nint[] RowValues { get; } // (tokens): likewise for values

    private static float[] Pinned(int length) => GC.AllocateArray<float>(length, pinned: true);
}
