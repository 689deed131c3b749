namespace GreenGateway.ModelHost.Serving.Tests;

public sealed class LogprobMathTests
{
    [Theory]
    [InlineData(1, 7)]
    [InlineData(5, 100)]
    [InlineData(20, 6144)]
    public void TopAndRank_MatchASortedReference_OnRandomLogits(int count, int vocab)
    {
        var random = new Random(count * 31 + vocab);
        var logits = Enumerable.Range(0, vocab).Select(_ => (float)(random.NextDouble() * 20 - 10)).ToArray();
        var logprobs = new float[vocab];

        LogprobMath.LogSoftmax(logits, logprobs);

        var max = logits.Max();
        var logSum = Math.Log(logits.Sum(l => Math.Exp(l - max))) + max;
        for (var i = 0; i < vocab; i++)
        {
            Assert.Equal(logits[i] - logSum, logprobs[i], 1e-4);
        }

        var sorted = Enumerable.Range(0, vocab).OrderByDescending(i => logprobs[i]).ToArray();
        var top = LogprobMath.Top(logprobs, count);
        Assert.Equal(sorted.Take(count), top.Select(static t => t.TokenId));
        for (var r = 0; r < Math.Min(vocab, 50); r++)
        {
            Assert.Equal(r + 1, LogprobMath.Rank(logprobs, sorted[r]));
        }

        Assert.Empty(LogprobMath.Top(logprobs, 0));
    }
}
