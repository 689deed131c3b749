using GreenGateway.Inference.Generation;
using GreenGateway.Inference.Models;
using GreenGateway.Inference.Tokenization;

namespace GreenGateway.Inference.Tests.Generation;

internal static class EngineFactory
{
    public static InferenceEngine Create(string model = "llama", EngineOptions? options = null) =>
        new(ModelLoader.Load(ReferenceData.ModelPath(model), new LoadOptions { Threads = 2 }),
            Tokenizer.FromFile(Path.Combine(ReferenceData.ModelPath(model), "tokenizer.json")), options, ownsModel: true);

    public static async Task<List<GeneratedToken>> Collect(IAsyncEnumerable<GeneratedToken> tokens)
    {
        var result = new List<GeneratedToken>();
        await foreach (var t in tokens)
        {
            result.Add(t);
        }

        return result;
    }
}
