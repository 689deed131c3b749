using GreenGateway.Inference.Tokenization;

namespace GreenGateway.Inference.Tests.Tokenization;

public sealed class TokenizerJsonErrorTests
{
    [Theory]
    [InlineData("""{"model": {"type": "Unigram", "vocab": []}}""", "Unigram")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {}, "merges": [], "byte_fallback": true}}""", "byte_fallback")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "Metaspace"}}""", "Metaspace")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "normalizer": {"type": "Prepend", "prepend": "_"}}""", "Prepend")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [["a", "b"]]}}""", "merge #0")]
    public void FromJson_UnsupportedOrBrokenParts_AreNamedInTheError(string json, string named)
    {
        var error = Assert.ThrowsAny<Exception>(() => Tokenizer.FromJson(json));

        Assert.True(error is NotSupportedException or InvalidDataException, error.GetType().Name);
        Assert.Contains(named, error.Message);
    }
}
