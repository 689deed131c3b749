namespace GreenGateway.Core.Cache.Tests;

public sealed class LexicalGuardTests
{
    [Theory]
    [InlineData("What does List<T>.Clear do?", "Explain what Clear does on a List<T>.")]
    [InlineData("How do I convert a string to an int in C#?", "What's the best way to turn a string into an int?")]
    [InlineData("how to get a hex string from a byte[] in c#", "How can I change a byte[] into a hex string?")]
    [InlineData("I have a long and need a byte[]. How do I convert it?", "Convert long to byte[] in C#")]
    [InlineData("How do I take the first 5 items of a List<T>?", "Show me how to take the first 5 items of a List<T>.")]
    [InlineData("How can I reset my password?", "How do I reset my password")]
    public void Paraphrases_Agree(string stored, string query) => Assert.True(LexicalGuard.Agrees(stored, query));

    [Theory]
    [InlineData("How do I convert a string to a double?", "How do I convert a double to a string?")]
    [InlineData("I have a string and need an int. How do I convert it?", "I have an int and need a string. How do I convert it?")]
    [InlineData("What does string.Trim do?", "What does string.TrimEnd do?")]
    [InlineData("What does List<T>.Clear do?", "What does HashSet<T>.Clear do?")]
    [InlineData("How do I take the first 5 items of a List<T>?", "How do I take the first 50 items of a List<T>?")]
    [InlineData("What does List<T>.Clear do?", "Is List<T>.Clear thread-safe?")]
    [InlineData("How do I convert a string to an int?", "Why does converting a string to an int throw an exception?")]
    public void LookAlikes_Disagree(string stored, string query) => Assert.False(LexicalGuard.Agrees(stored, query));

    [Fact]
    public void GenericTypeParameters_NameNoType()
    {
        var signature = LexicalGuard.Signature.Of("What does Dictionary<TKey,TValue>.TryGetValue do with a List<T>?");
        Assert.Equal(["dictionary", "list", "trygetvalue"], signature.Terms.Order(StringComparer.Ordinal));
    }
}
