namespace GreenGateway.Core.Routing.Tests;

public sealed class TextFeaturizerTests
{
    private readonly TextFeaturizer _featurizer = new(hashBits: 16);

    [Fact]
    public void SameText_GivesTheSameVector_AcrossInstances()
    {
        var a = _featurizer.Featurize("How do I trim a string in C#?");
        var b = new TextFeaturizer(hashBits: 16).Featurize("How do I trim a string in C#?");

        Assert.Equal(a.Indices, b.Indices);
        Assert.Equal(a.Values, b.Values);
        Assert.True(a.Indices.SequenceEqual(a.Indices.Order().Distinct()));
        Assert.All(a.Indices, i => Assert.InRange(i, 0, _featurizer.Dimensions - 1));
    }

    [Fact]
    public void DenseSlots_DescribeTheText()
    {
        var question = _featurizer.Featurize("What is 12 * 34?");
        var code = _featurizer.Featurize("fix this: for (int i = 0; i < n; i++) { sum += a[i]; }");

        float Slot(SparseVector v, int slot) => v.Values[Array.IndexOf(v.Indices, slot)];
        Assert.Equal(1f, Slot(question, 4));
        Assert.Equal(1f, Slot(question, 5));
        Assert.InRange(Slot(question, 2), 0.2f, 0.3f); // 4 digits of 16 characters
        Assert.Equal(0f, Slot(code, 4));
        Assert.True(Slot(code, 3) > Slot(question, 3));
    }

    [Fact]
    public void HashedGroups_HaveUnitLength_WhateverThePromptLength()
    {
        var shortPrompt = _featurizer.Featurize("hi there");
        var longPrompt = _featurizer.Featurize(string.Join(' ', Enumerable.Repeat("energy aware gateways route prompts", 50)));

        static double Norm(SparseVector v) => Math.Sqrt(v.Indices.Zip(v.Values).Where(p => p.First >= TextFeaturizer.DenseCount).Sum(p => p.Second * p.Second));

        // Two groups (words and character trigrams) of unit length each, unless their hashes collide.
        Assert.InRange(Norm(shortPrompt), 1.3, 1.5);
        Assert.InRange(Norm(longPrompt), 1.3, 1.5);
    }
}
