namespace GreenGateway.Semantics.Embeddings.Tests;

/// <summary>One MiniLM session for the whole test assembly (loading it takes about a second).</summary>
public sealed class EmbedderFixture : IDisposable
{
    public OnnxSentenceEmbedder Embedder { get; } = new();

    public void Dispose() => Embedder.Dispose();
}

[CollectionDefinition(Name)]
public sealed class EmbedderCollection : ICollectionFixture<EmbedderFixture>
{
    public const string Name = "MiniLM";
}
