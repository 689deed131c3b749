namespace GreenGateway.Inference.Tokenization;

/// <summary>
/// A byte-level BPE tokenizer as Hugging Face's tokenizers runs one: added tokens are cut out first, each
/// remaining segment is normalized, pre-tokenized, mapped to byte-level characters and merged by BPE; a
/// template may add special tokens around the result.
/// </summary>
public sealed partial class Tokenizer
{
    private readonly BpeModel _bpe;
    private readonly Normalizer? _normalizer;
    private readonly PreTokenizer _preTokenizer;
    private readonly AddedTokenMatcher _matcher;
    private readonly AddedTokenMatcher _plainMatcher;
    private readonly string[] _idToToken;
    private readonly bool[] _special;
    private readonly Dictionary<string, int> _tokenToId;

    internal Tokenizer(BpeModel bpe, Normalizer? normalizer, PreTokenizer preTokenizer, IReadOnlyList<AddedToken> added,
        IReadOnlyList<int> prefix, IReadOnlyList<int> suffix, bool byteLevelDecoder)
    {
        _bpe = bpe;
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        _matcher = new AddedTokenMatcher(added);
        _plainMatcher = new AddedTokenMatcher(added.Where(static t => !t.Special));
        AddedTokens = added;
        SpecialPrefix = prefix;
        SpecialSuffix = suffix;
        ByteLevelDecoder = byteLevelDecoder;
        _tokenToId = new Dictionary<string, int>(bpe.Vocab, StringComparer.Ordinal);
        foreach (var token in added)
        {
            _tokenToId[token.Content] = token.Id;
        }

        VocabSize = _tokenToId.Values.Max() + 1;
        _idToToken = new string[VocabSize];
        _special = new bool[VocabSize];
        foreach (var (token, id) in _tokenToId)
        {
            _idToToken[id] = token;
        }

        foreach (var token in added)
        {
            _idToToken[token.Id] = token.Content;
            _special[token.Id] = token.Special;
        }
    }

    /// <summary>Highest token id plus one.</summary>
    public int VocabSize { get; }

    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>Special tokens the post-processor puts before a sequence (Llama-3's &lt;|begin_of_text|&gt;).</summary>
    public IReadOnlyList<int> SpecialPrefix { get; }

    /// <summary>Special tokens the post-processor puts after a sequence.</summary>
    public IReadOnlyList<int> SpecialSuffix { get; }

    /// <summary>
    /// False when the tokenizer asks for Unicode normalization that this process cannot do (InvariantGlobalization
    /// is on): text that is not already normalized may then tokenize differently from Hugging Face.
    /// </summary>
    public bool NormalizesExactly => _normalizer is null || Normalizer.RuntimeCanNormalize;

    internal bool ByteLevelDecoder { get; }

    /// <summary>The id of a token's string form, or null when it is not in the vocabulary.</summary>
    public int? TokenToId(string token) => _tokenToId.TryGetValue(token, out var id) ? id : null;

    /// <summary>The string form of a token as the vocabulary writes it (byte-level characters).</summary>
    public string IdToToken(int id) => (uint)id < (uint)_idToToken.Length && _idToToken[id] is { } t
        ? t
        : throw new ArgumentOutOfRangeException(nameof(id), $"token id {id} is not in the vocabulary.");

    public bool IsSpecial(int id) => (uint)id < (uint)_special.Length && _special[id];

    /// <summary>
    /// Token ids of <paramref name="text"/>; with <paramref name="addSpecialTokens"/> the template's BOS/EOS too.
    /// Special tokens written in the text become their ids, as in Hugging Face; pass
    /// <paramref name="parseSpecialTokens"/> = false for untrusted text (a user's message), so that
    /// "&lt;|im_end|&gt;" typed by a user stays plain text and cannot end a turn.
    /// </summary>
    public int[] Encode(string text, bool addSpecialTokens = false, bool parseSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        if (addSpecialTokens)
        {
            ids.AddRange(SpecialPrefix);
        }

        var pieces = new List<string>();
        foreach (var (id, segment) in (parseSpecialTokens ? _matcher : _plainMatcher).Split(text))
        {
            if (id >= 0)
            {
                ids.Add(id);
                continue;
            }

            pieces.Clear();
            var normalized = _normalizer?.Apply(segment) ?? segment;
            if (normalized.Length == 0)
            {
                continue;
            }

            _preTokenizer.Split(normalized, pieces);
            foreach (var piece in pieces)
            {
                if (piece.Length > 0)
                {
                    _bpe.Encode(_preTokenizer.ByteLevelOutput ? ByteLevel.EncodeString(piece) : piece, ids);
                }
            }
        }

        if (addSpecialTokens)
        {
            ids.AddRange(SpecialSuffix);
        }

        return [.. ids];
    }
}
