namespace GreenGateway.Inference.Models;

public static partial class ModelLoader
{
    private static TransformerModel LoadGguf(string path, LoadOptions options) =>
        throw new NotSupportedException($"'{path}': GGUF loading is not built yet.");
}
