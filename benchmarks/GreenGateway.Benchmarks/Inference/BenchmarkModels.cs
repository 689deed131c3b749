using GreenGateway.Inference.Formats;
using GreenGateway.Inference.Kernels;
using GreenGateway.Inference.Models;

namespace GreenGateway.Benchmarks.Inference;

/// <summary>The two random-weight Llama-shaped models the inference benchmarks run.</summary>
internal static class BenchmarkModels
{
    /// <summary>About 5.3 M parameters (2.1 M of them the tied embedding).</summary>
    public static readonly ModelConfig Small = new()
    {
        Architecture = ModelArchitecture.Llama,
        VocabSize = 8192,
        HiddenSize = 256,
        IntermediateSize = 704,
        NumLayers = 4,
        NumHeads = 4,
        NumKvHeads = 4,
        TieWordEmbeddings = true,
        MaxPositionEmbeddings = 2048,
    };

    /// <summary>About 40 M parameters: 8 layers of width 512 with GQA (8 query, 4 key/value heads), untied 16k vocabulary.</summary>
    public static readonly ModelConfig Medium = new()
    {
        Architecture = ModelArchitecture.Llama,
        VocabSize = 16384,
        HiddenSize = 512,
        IntermediateSize = 1408,
        NumLayers = 8,
        NumHeads = 8,
        NumKvHeads = 4,
        TieWordEmbeddings = false,
        MaxPositionEmbeddings = 2048,
    };

    public static TransformerModel Create(string name, WeightFormat format, int threads)
    {
        var config = name == "small" ? Small : Medium;
        return ModelLoader.FromTensors(config, InMemoryTensorSource.Random(config, seed: 42), new LoadOptions { Weights = format, Threads = threads });
    }
}
