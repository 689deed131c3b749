using GreenGateway.Core.Cache;

namespace GreenGateway.Semantics.Embeddings.Tests;

[Collection(EmbedderCollection.Name)]
public sealed class OnnxSentenceEmbedderTests(EmbedderFixture fixture)
{
    private readonly OnnxSentenceEmbedder _embedder = fixture.Embedder;

    [Fact]
    public async Task DefaultModel_IsMiniLmWith384UnitLengthDimensions()
    {
        var vector = await _embedder.EmbedAsync("What does List<T>.Clear do?", TestContext.Current.CancellationToken);
        Assert.Equal("onnx:all-MiniLM-L6-v2:384", _embedder.Name);
        Assert.Equal(384, vector.Length);
        Assert.Equal(1.0, VectorMath.Dot(vector, vector), 4);
    }

    [Fact]
    public async Task Paraphrase_ScoresFarAboveAnUnrelatedQuestion()
    {
        var ct = TestContext.Current.CancellationToken;
        var question = await _embedder.EmbedAsync("What does List<T>.Clear do?", ct);
        var paraphrase = await _embedder.EmbedAsync("Explain what Clear does on a List<T>.", ct);
        var unrelated = await _embedder.EmbedAsync("How do I read a file line by line in C#?", ct);
        var near = VectorMath.Dot(question, paraphrase);
        var far = VectorMath.Dot(question, unrelated);
        Assert.True(near > 0.75, $"paraphrase cosine {near}");
        Assert.True(far < 0.4, $"unrelated cosine {far}");
    }

    [Fact]
    public void Batch_GivesTheSameVectorsAsOneAtATime()
    {
        // Padding to the longest text of a batch must not change a shorter text's vector (the attention mask and
        // the masked mean take care of it).
        string[] texts = ["Hi", "How do I convert a string to an int in C#?", "What is the default capacity of a StringBuilder, and how does it grow?"];
        var batched = _embedder.EmbedBatch(texts);
        for (var i = 0; i < texts.Length; i++)
        {
            var alone = _embedder.EmbedBatch([texts[i]])[0];
            Assert.Equal(1.0, VectorMath.Dot(batched[i], alone), 4);
        }
    }

    [Fact]
    public void LongText_IsCutAtMaxTokens_NotRejected()
    {
        var words = string.Join(' ', Enumerable.Repeat("energy", 2_000));
        var vector = _embedder.EmbedBatch([words])[0];
        Assert.Equal(1.0, VectorMath.Dot(vector, vector), 4);
    }

    [Fact]
    public async Task ConcurrentRequests_ShareOnnxRuntimeCalls()
    {
        using var embedder = new OnnxSentenceEmbedder(new SentenceEmbedderOptions { MaxBatch = 64 });
        var ct = TestContext.Current.CancellationToken;
        var texts = Enumerable.Range(0, 48).Select(i => $"How do I parse item {i} of a JSON array?").ToArray();
        var vectors = await Task.WhenAll(texts.Select(t => embedder.EmbedAsync(t, ct).AsTask()));
        var (batches, embedded) = embedder.Counts;
        Assert.Equal(48, embedded);
        Assert.True(batches < 48, $"{batches} ONNX Runtime calls for 48 concurrent texts");
        var alone = embedder.EmbedBatch([texts[17]])[0];
        Assert.Equal(1.0, VectorMath.Dot(vectors[17], alone), 4);
    }

    [Fact]
    public void ModelByPath_WithoutVocab_IsRejectedAtStart()
    {
        var error = Assert.Throws<ArgumentException>(() => new OnnxSentenceEmbedder(new SentenceEmbedderOptions { ModelPath = "/nonexistent/model.onnx" }));
        Assert.Contains("VocabPath", error.Message);
        Assert.Contains("does not exist", error.Message);
    }
}
