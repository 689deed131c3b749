using System.Text;

namespace GreenGateway.Core.Routing;

/// <summary>
/// Turns a prompt into router features, as ML.NET's FeaturizeText would: hashed word unigrams and
/// bigrams and character 3-grams (hashing trick, Weinberger et al. 2009, "Feature Hashing for Large Scale
/// Multitask Learning"), each group L2-normalized, plus a few dense features in reserved slots: length,
/// digits, code, question form. Deterministic across processes (FNV-1a, not string.GetHashCode).
/// </summary>
public sealed class TextFeaturizer
{
    /// <summary>Dense features, in slots 0..DenseCount-1.</summary>
    public const int DenseCount = 6;

    public TextFeaturizer(int hashBits = 18)
    {
        if (hashBits is < 8 or > 24)
        {
            throw new ArgumentOutOfRangeException(nameof(hashBits), hashBits, "between 8 and 24");
        }

        HashBits = hashBits;
        Dimensions = (1 << hashBits) + DenseCount;
    }

    public int HashBits { get; }

    /// <summary>Length of every vector: the hashed space plus the dense slots.</summary>
    public int Dimensions { get; }

    public SparseVector Featurize(string text)
    {
        var lower = text.ToLowerInvariant();
        var counts = new Dictionary<int, float>();
        var words = Words(lower);
        var group = new Dictionary<int, float>();
        for (var i = 0; i < words.Count; i++)
        {
            Add(group, "w:" + words[i]);
            if (i > 0)
            {
                Add(group, "b:" + words[i - 1] + " " + words[i]);
            }
        }

        Merge(counts, group);
        group.Clear();
        var padded = " " + string.Join(' ', words) + " ";
        for (var i = 0; i + 3 <= padded.Length; i++)
        {
            Add(group, "c:" + padded.Substring(i, 3));
        }

        Merge(counts, group);
        Dense(text, words, counts);
        var indices = counts.Keys.Order().ToArray();
        var values = new float[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            values[i] = counts[indices[i]];
        }

        return new SparseVector(indices, values);
    }

    private void Add(Dictionary<int, float> group, string feature)
    {
        var slot = DenseCount + (int)(Fnv1a(feature) & ((1u << HashBits) - 1));
        group[slot] = group.GetValueOrDefault(slot) + 1;
    }

    /// <summary>Adds a feature group scaled to unit length, so that long prompts do not drown short ones.</summary>
    private static void Merge(Dictionary<int, float> counts, Dictionary<int, float> group)
    {
        var norm = MathF.Sqrt(group.Values.Sum(v => v * v));
        foreach (var (slot, value) in group)
        {
            counts[slot] = counts.GetValueOrDefault(slot) + (value / norm);
        }
    }

    private static void Dense(string text, List<string> words, Dictionary<int, float> counts)
    {
        var digits = text.Count(char.IsAsciiDigit);
        var code = text.Count(c => c is '{' or '}' or ';' or '(' or ')' or '=' or '<' or '>' or '`');
        var trimmed = text.TrimEnd();
        var first = words.Count > 0 ? words[0] : "";
        counts[0] = MathF.Log(1 + text.Length) / 10f;
        counts[1] = MathF.Log(1 + words.Count) / 5f;
        counts[2] = text.Length == 0 ? 0 : (float)digits / text.Length;
        counts[3] = text.Length == 0 ? 0 : Math.Min(1f, 5f * code / text.Length);
        counts[4] = trimmed.EndsWith('?') ? 1 : 0;
        counts[5] = first is "what" or "who" or "when" or "where" or "which" or "how" or "why" or "is" or "does" or "can" ? 1 : 0;
    }

    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c) || c is '.' or '_')
            {
                current.Append(c);
            }
            else if (current.Length > 0)
            {
                words.Add(current.ToString().Trim('.'));
                current.Clear();
            }
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString().Trim('.'));
        }

        words.RemoveAll(w => w.Length == 0);
        return words;
    }

    /// <summary>FNV-1a, 32 bits, over UTF-16 code units (Fowler, Noll, Vo; offset basis 2166136261, prime 16777619).</summary>
    private static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }
}
