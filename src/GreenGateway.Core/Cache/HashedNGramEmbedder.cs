namespace GreenGateway.Core.Cache;

/// <summary>
/// The built-in embedder, which needs no model: the "hashing trick" (Weinberger et al., "Feature Hashing for
/// Large Scale Multitask Learning", ICML 2009) over word unigrams, word bigrams and character trigrams of each
/// word, with a hash-derived sign to cancel collisions in expectation, then L2 normalisation. It sees surface
/// overlap only: "how do I reset my password" and "password reset steps" score high; antonyms and swapped
/// roles ("celsius to fahrenheit" vs "fahrenheit to celsius") score high too, which is why the threshold is
/// set from the shipped paraphrase set (docs/semantic-cache.md) and why exact match is tried first.
/// </summary>
public sealed class HashedNGramEmbedder : IEmbedder
{
    private readonly FeatureWeights _weights;

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "is", "are", "am", "be", "to", "of", "in", "on", "at", "for", "and", "or", "i", "you", "me",
        "my", "your", "it", "its", "do", "does", "did", "can", "could", "would", "will", "should", "please", "tell",
        "what", "whats", "how", "that", "this", "with", "about", "some", "any", "there", "s",
    };

    public HashedNGramEmbedder(int dimensions = 1024)
        : this(dimensions, FeatureWeights.Default)
    {
    }

    internal HashedNGramEmbedder(int dimensions, FeatureWeights weights)
    {
        _weights = weights;
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 16);
        Dimensions = dimensions;
        Name = $"hashed-ngram-v1-{dimensions}";
    }

    public int Dimensions { get; }

    public string Name { get; }

    public ValueTask<float[]> EmbedAsync(string text, CancellationToken cancellationToken) => ValueTask.FromResult(Embed(text));

    /// <summary>The synchronous form; the work is a few microseconds of hashing.</summary>
    public float[] Embed(string text)
    {
        var vector = new float[Dimensions];
        var words = Tokenize(text);
        for (var w = 0; w < words.Count; w++)
        {
            var word = words[w];
            var stop = StopWords.Contains(word);
            Add(vector, 'w', word, string.Empty, stop ? _weights.StopWord : _weights.Word);
            if (w + 1 < words.Count)
            {
                Add(vector, 'b', word, words[w + 1], stop && StopWords.Contains(words[w + 1]) ? _weights.StopWord * _weights.Bigram : _weights.Bigram);
            }

            if (!stop)
            {
                AddTrigrams(vector, word);
            }
        }

        VectorMath.Normalize(vector);
        return vector;
    }

    private static List<string> Tokenize(string text)
    {
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var isWordChar = i < text.Length && (char.IsLetterOrDigit(text[i]) || (text[i] == '\'' && start >= 0));
            if (isWordChar && start < 0)
            {
                start = i;
            }
            else if (!isWordChar && start >= 0)
            {
                words.Add(Stem(text[start..i].Replace("'", string.Empty, StringComparison.Ordinal).ToLowerInvariant()));
                start = -1;
            }
        }

        return words;
    }

    /// <summary>A light suffix strip (plural -s, -es, -ing, -ed on words of five letters or more) so that "tables" meets "table".</summary>
    private static string Stem(string word)
    {
        if (word.Length < 5)
        {
            return word;
        }

        if (word.EndsWith("ing", StringComparison.Ordinal))
        {
            return word[..^3];
        }

        if (word.EndsWith("ed", StringComparison.Ordinal))
        {
            return word[..^2];
        }

        if (word.EndsWith("ies", StringComparison.Ordinal))
        {
            return word[..^3] + "y";
        }

        return word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal) ? word[..^1] : word;
    }

    private void AddTrigrams(float[] vector, string word)
    {
        // "<word>" with boundary marks, so that prefixes and suffixes are features of their own (as in fastText).
        Span<char> padded = stackalloc char[word.Length + 2];
        padded[0] = '<';
        word.AsSpan().CopyTo(padded[1..]);
        padded[^1] = '>';
        var count = padded.Length - 2;
        if (count <= 0)
        {
            return;
        }

        var weight = _weights.Trigram / MathF.Sqrt(count);
        for (var i = 0; i < count; i++)
        {
            Add(vector, 'c', padded.Slice(i, 3), [], weight);
        }
    }

    private void Add(float[] vector, char kind, ReadOnlySpan<char> first, ReadOnlySpan<char> second, float weight)
    {
        var hash = Fnv1a(kind, first, second);
        var index = (int)(hash % (ulong)vector.Length);
        vector[index] += (hash >> 63) == 0 ? weight : -weight;
    }

    /// <summary>64-bit FNV-1a (Fowler, Noll, Vo; offset basis 14695981039346656037, prime 1099511628211) over the UTF-16 code units.</summary>
    private static ulong Fnv1a(char kind, ReadOnlySpan<char> first, ReadOnlySpan<char> second)
    {
        const ulong prime = 1099511628211;
        var hash = 14695981039346656037UL;
        hash = (hash ^ kind) * prime;
        foreach (var ch in first)
        {
            hash = (hash ^ ch) * prime;
        }

        hash = (hash ^ ' ') * prime;
        foreach (var ch in second)
        {
            hash = (hash ^ ch) * prime;
        }

        // FNV's low bits mix poorly for short keys; one xorshift-multiply round (splitmix64's finaliser) fixes that.
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        return hash;
    }

    /// <summary>Weights of the feature kinds; the defaults were chosen on the shipped paraphrase set (docs/semantic-cache.md).</summary>
    internal sealed record FeatureWeights(float Word, float StopWord, float Bigram, float Trigram)
    {
        public static FeatureWeights Default { get; } = new(1.0f, 0.1f, 0.3f, 1.0f);
    }
}
