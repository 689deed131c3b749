namespace GreenGateway.Core.Cache.Tests;

public sealed class HashedNGramEmbedderTests(ITestOutputHelper output)
{
    private readonly HashedNGramEmbedder _embedder = new();

    [Fact]
    public void Embedding_IsUnitLengthAndDeterministic()
    {
        var a = _embedder.Embed("How do I reset my password?");
        var b = new HashedNGramEmbedder().Embed("How do I reset my password?");
        Assert.Equal(1024, a.Length);
        Assert.Equal(1.0, VectorMath.Dot(a, a), 5);
        Assert.Equal(a, b);
    }

    [Fact]
    public void EmptyText_IsTheZeroVector()
    {
        var empty = _embedder.Embed("  ?! ");
        Assert.All(empty, x => Assert.Equal(0f, x));
    }

    [Fact]
    public void Paraphrase_ScoresHigherThanADifferentTopic()
    {
        var query = _embedder.Embed("How can I reset my password?");
        var paraphrase = _embedder.Embed("How do I reset my password");
        var other = _embedder.Embed("What is the boiling point of water?");
        Assert.True(VectorMath.Dot(query, paraphrase) > 0.8f);
        Assert.True(VectorMath.Dot(query, other) < 0.3f);
    }

    [Fact]
    public void ParaphraseSet_AtTheDefaultThreshold_KeepsFalseHitsRare()
    {
        var scored = Score();
        var threshold = new SemanticCacheOptions().SimilarityThreshold;
        output.WriteLine("threshold | hit rate | false-hit rate");
        foreach (var t in new[] { 0.6, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.95 })
        {
            var (hit, falseHit) = ParaphraseSet.Rates(scored, t);
            output.WriteLine($"{t:0.00} | {ParaphraseSet.Percent(hit)} | {ParaphraseSet.Percent(falseHit)}");
        }

        var (hitRate, falseHitRate) = ParaphraseSet.Rates(scored, threshold);

        // Guards against an embedder change that makes the default unsafe or useless; the table is in docs/semantic-cache.md.
        Assert.True(falseHitRate <= 0.10, $"false-hit rate {falseHitRate:P1} at {threshold}");
        Assert.True(hitRate >= 0.25, $"hit rate {hitRate:P1} at {threshold}");
    }

    private List<(bool Same, double Similarity)> Score()
    {
        var scored = new List<(bool, double)>();
        foreach (var (same, a, b) in ParaphraseSet.Load())
        {
            scored.Add((same, VectorMath.Dot(_embedder.Embed(a), _embedder.Embed(b))));
        }

        return scored;
    }
}
