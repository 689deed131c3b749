using System.Collections.Concurrent;

namespace GreenGateway.Inference.Tokenization;

/// <summary>
/// Byte-pair encoding of one pre-token: start from single characters, then repeatedly merge the adjacent pair
/// with the lowest merge rank (the leftmost among equals), as tokenizers' BPE word merging does.
/// </summary>
internal sealed class BpeModel
{
    private const int CacheLimit = 50_000;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<long, (int Rank, int Id)> _merges;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    public BpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges, bool ignoreMerges, int? unknownId)
    {
        _vocab = vocab;
        IgnoreMerges = ignoreMerges;
        UnknownId = unknownId;
        _merges = new Dictionary<long, (int, int)>(merges.Count);
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (!vocab.TryGetValue(left, out var l) || !vocab.TryGetValue(right, out var r) || !vocab.TryGetValue(left + right, out var merged))
            {
                throw new InvalidDataException($"merge #{rank} '{left} {right}' uses a token that is not in the vocabulary.");
            }

            _merges.TryAdd(Key(l, r), (rank, merged));
        }
    }

    /// <summary>Whether a pre-token found whole in the vocabulary is taken as is (Llama-3's ignore_merges).</summary>
    public bool IgnoreMerges { get; }

    public int? UnknownId { get; }

    public IReadOnlyDictionary<string, int> Vocab => _vocab;

    public void Encode(string word, List<int> output)
    {
        if (IgnoreMerges && _vocab.TryGetValue(word, out var whole))
        {
            output.Add(whole);
            return;
        }

        if (_cache.TryGetValue(word, out var cached))
        {
            output.AddRange(cached);
            return;
        }

        var ids = Merge(word);
        if (_cache.Count >= CacheLimit)
        {
            _cache.Clear();
        }

        _cache.TryAdd(word, ids);
        output.AddRange(ids);
    }

    private int[] Merge(string word)
    {
        var symbols = new List<int>(word.Length);
        for (var i = 0; i < word.Length; i++)
        {
            // A surrogate pair is one symbol; byte-level words never hold one, other vocabularies may.
            var length = char.IsHighSurrogate(word[i]) && i + 1 < word.Length ? 2 : 1;
            if (_vocab.TryGetValue(word.Substring(i, length), out var id))
            {
                symbols.Add(id);
            }
            else if (UnknownId is { } unknown)
            {
                symbols.Add(unknown);
            }

            i += length - 1;
        }

        while (symbols.Count > 1)
        {
            var bestRank = int.MaxValue;
            var bestAt = -1;
            var bestId = 0;
            for (var i = 0; i + 1 < symbols.Count; i++)
            {
                if (_merges.TryGetValue(Key(symbols[i], symbols[i + 1]), out var m) && m.Rank < bestRank)
                {
                    (bestRank, bestAt, bestId) = (m.Rank, i, m.Id);
                }
            }

            if (bestAt < 0)
            {
                break;
            }

            symbols[bestAt] = bestId;
            symbols.RemoveAt(bestAt + 1);
        }

        return [.. symbols];
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;
}
