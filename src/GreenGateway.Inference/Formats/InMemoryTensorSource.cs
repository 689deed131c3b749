using GreenGateway.Inference.Kernels;
using GreenGateway.Inference.Models;

namespace GreenGateway.Inference.Formats;

/// <summary>f32 tensors held in native memory: random-weight models for benchmarks and tests.</summary>
internal sealed unsafe class InMemoryTensorSource : ITensorSource
{
    private readonly Dictionary<string, (TensorView View, NativeBuffer<float> Buffer)> _tensors = new(StringComparer.Ordinal);

    public string Description => "in-memory tensors";

    public IEnumerable<string> Names => _tensors.Keys;

    /// <summary>
    /// Every tensor a model of <paramref name="config"/> needs, Hugging Face names, uniform in ±1/sqrt(fan-in)
    /// (norm weights near 1), from <paramref name="seed"/>.
    /// </summary>
    public static InMemoryTensorSource Random(ModelConfig config, int seed)
    {
        var c = config.Validated();
        var names = HuggingFaceNaming.Instance;
        var source = new InMemoryTensorSource();
        var rng = new Random(seed);
        source.Add(names.Embedding, [c.VocabSize, c.HiddenSize], rng, 1f);
        source.Add(names.FinalNorm, [c.HiddenSize], rng, 0.1f, 1f);
        if (!c.TieWordEmbeddings)
        {
            source.Add(names.LmHead, [c.VocabSize, c.HiddenSize], rng, 1f / MathF.Sqrt(c.HiddenSize));
        }

        var inScale = 1f / MathF.Sqrt(c.HiddenSize);
        for (var i = 0; i < c.NumLayers; i++)
        {
            source.Add(names.Layer(i, LayerTensor.AttentionNorm), [c.HiddenSize], rng, 0.1f, 1f);
            source.Add(names.Layer(i, LayerTensor.MlpNorm), [c.HiddenSize], rng, 0.1f, 1f);
            source.Add(names.Layer(i, LayerTensor.Q), [c.QDim, c.HiddenSize], rng, inScale);
            source.Add(names.Layer(i, LayerTensor.K), [c.KvDim, c.HiddenSize], rng, inScale);
            source.Add(names.Layer(i, LayerTensor.V), [c.KvDim, c.HiddenSize], rng, inScale);
            source.Add(names.Layer(i, LayerTensor.Output), [c.HiddenSize, c.QDim], rng, 1f / MathF.Sqrt(c.QDim));
            source.Add(names.Layer(i, LayerTensor.Gate), [c.IntermediateSize, c.HiddenSize], rng, inScale);
            source.Add(names.Layer(i, LayerTensor.Up), [c.IntermediateSize, c.HiddenSize], rng, inScale);
            source.Add(names.Layer(i, LayerTensor.Down), [c.HiddenSize, c.IntermediateSize], rng, 1f / MathF.Sqrt(c.IntermediateSize));
            if (c.AttentionBias)
            {
                source.Add(names.Layer(i, LayerTensor.QBias), [c.QDim], rng, 0.1f);
                source.Add(names.Layer(i, LayerTensor.KBias), [c.KvDim], rng, 0.1f);
                source.Add(names.Layer(i, LayerTensor.VBias), [c.KvDim], rng, 0.1f);
            }
        }

        return source;
    }

    public void Add(string name, long[] shape, Random rng, float scale, float offset = 0f)
    {
        long n = 1;
        foreach (var d in shape)
        {
            n *= d;
        }

        var buffer = new NativeBuffer<float>(n);
        var span = buffer.Span;
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = offset + (float)(rng.NextDouble() * 2 - 1) * scale;
        }

        _tensors[name] = (new TensorView(name, TensorDType.F32, shape, (nint)buffer.Pointer, n * sizeof(float)), buffer);
    }

    public bool TryGet(string name, out TensorView tensor)
    {
        var found = _tensors.TryGetValue(name, out var entry);
        tensor = entry.View;
        return found;
    }

    public void Dispose()
    {
        foreach (var (_, buffer) in _tensors.Values)
        {
            buffer.Dispose();
        }
    }
}
