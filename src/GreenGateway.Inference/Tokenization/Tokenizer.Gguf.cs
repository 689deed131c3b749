using GreenGateway.Inference.Formats;

namespace GreenGateway.Inference.Tokenization;

public sealed partial class Tokenizer
{
    /// <summary>Reads the byte-level BPE vocabulary embedded in a GGUF file.</summary>
    public static Tokenizer FromGguf(string path)
    {
        using var gguf = GgufFile.Open(path);
        return FromGguf(gguf);
    }

    /// <summary>
    /// tokenizer.ggml.model "gpt2" (byte-level BPE): tokens by id, merges as "a b", token_type (3 control tokens
    /// are special, 4 user-defined are added but not special), and tokenizer.ggml.pre naming the pre-tokenizer
    /// regex the way llama.cpp's llama-vocab.cpp does ("llama-bpe" for Llama-3, "qwen2", else GPT-2's).
    /// </summary>
    internal static Tokenizer FromGguf(GgufFile gguf)
    {
        var model = gguf.GetString("tokenizer.ggml.model");
        if (model != "gpt2")
        {
            throw new NotSupportedException($"'{gguf.Description}': tokenizer model '{model ?? "(none)"}' is not supported; only gpt2 (byte-level BPE) is.");
        }

        var tokens = gguf.GetArray<string>("tokenizer.ggml.tokens")
            ?? throw new InvalidDataException($"'{gguf.Description}' has no tokenizer.ggml.tokens.");
        var types = gguf.GetArray<int>("tokenizer.ggml.token_type") ?? new int[tokens.Length];
        var merges = (gguf.GetArray<string>("tokenizer.ggml.merges") ?? []).Select(static m =>
        {
            var space = m.IndexOf(' ', 1);
            return (m[..space], m[(space + 1)..]);
        }).ToList();
        var vocab = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        var added = new List<AddedToken>();
        for (var i = 0; i < tokens.Length; i++)
        {
            vocab.TryAdd(tokens[i], i);
            if (types[i] is 3 or 4)
            {
                added.Add(new AddedToken(i, tokens[i], Special: types[i] == 3));
            }
        }

        var pre = gguf.GetString("tokenizer.ggml.pre") ?? "default";
        var (pattern, ignoreMerges) = pre switch
        {
            "llama-bpe" or "llama3" => (PreTokenizerPatterns.Llama3, true),
            "qwen2" => (PreTokenizerPatterns.Qwen2, false),
            _ => (PreTokenizerPatterns.Gpt2, false),
        };
        var split = new RegexSplit(PreTokenizerPatterns.Compile(pattern), SplitBehavior.Isolated, false);
        var preTokenizer = new SequencePreTokenizer([split, new ByteLevelPreTokenizer(false, false)]);
        var bos = gguf.GetInteger("tokenizer.ggml.bos_token_id");
        var addBos = gguf.GetBool("tokenizer.ggml.add_bos_token") ?? pre is "llama-bpe" or "llama3";
        int[] prefix = addBos && bos is { } b ? [(int)b] : [];
        return new Tokenizer(new BpeModel(vocab, merges, ignoreMerges, null), null, preTokenizer, added, prefix, [], byteLevelDecoder: true);
    }
}
