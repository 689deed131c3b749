using System.Text.Json;

namespace GreenGateway.Inference.Tokenization;

public sealed partial class Tokenizer
{
    /// <summary>Reads a Hugging Face tokenizer.json file (BPE model).</summary>
    public static Tokenizer FromFile(string path) => FromJson(File.ReadAllText(path));

    /// <summary>
    /// Parses tokenizer.json: model (BPE with vocab, merges as "a b" strings or [a, b] pairs, ignore_merges),
    /// added_tokens, normalizer, pre_tokenizer, post_processor and decoder. Unsupported parts are named in the error.
    /// </summary>
    public static Tokenizer FromJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var model = root.GetProperty("model");
        var type = model.TryGetProperty("type", out var t) ? t.GetString() : "BPE";
        if (type != "BPE")
        {
            throw new NotSupportedException($"unsupported tokenizer model '{type}'; only BPE is supported.");
        }

        foreach (var option in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
        {
            if (model.TryGetProperty(option, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0)
            {
                throw new NotSupportedException($"BPE option {option} is not supported (byte-level BPE does not use it).");
            }
        }

        if (model.TryGetProperty("byte_fallback", out var fallback) && fallback.ValueKind == JsonValueKind.True)
        {
            throw new NotSupportedException("BPE with byte_fallback (SentencePiece-style vocabularies) is not supported; only byte-level BPE is.");
        }

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in model.GetProperty("vocab").EnumerateObject())
        {
            vocab[entry.Name] = entry.Value.GetInt32();
        }

        var merges = new List<(string, string)>();
        foreach (var merge in model.GetProperty("merges").EnumerateArray())
        {
            if (merge.ValueKind == JsonValueKind.Array)
            {
                merges.Add((merge[0].GetString()!, merge[1].GetString()!));
                continue;
            }

            var text = merge.GetString()!;
            var space = text.IndexOf(' ', 1);
            merges.Add((text[..space], text[(space + 1)..]));
        }

        int? unknown = model.TryGetProperty("unk_token", out var unk) && unk.ValueKind == JsonValueKind.String && vocab.TryGetValue(unk.GetString()!, out var u) ? u : null;
        var ignoreMerges = model.TryGetProperty("ignore_merges", out var im) && im.ValueKind == JsonValueKind.True;
        var added = new List<AddedToken>();
        if (root.TryGetProperty("added_tokens", out var addedJson) && addedJson.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in addedJson.EnumerateArray())
            {
                added.Add(new AddedToken(a.GetProperty("id").GetInt32(), a.GetProperty("content").GetString()!,
                    Flag(a, "special"), Flag(a, "lstrip"), Flag(a, "rstrip")));
            }
        }

        var preTokenizer = ParsePreTokenizer(root.TryGetProperty("pre_tokenizer", out var pt) ? pt : default)
            ?? new SequencePreTokenizer([]);
        var normalizer = Normalizer.FromForms(NormalizerTypes(root.TryGetProperty("normalizer", out var nz) ? nz : default));
        var (prefix, suffix) = ParseTemplate(root.TryGetProperty("post_processor", out var pp) ? pp : default);
        var byteLevelDecoder = root.TryGetProperty("decoder", out var dec) && ContainsType(dec, "ByteLevel");
        var bpe = new BpeModel(vocab, merges, ignoreMerges, unknown);
        return new Tokenizer(bpe, normalizer, preTokenizer, added, prefix, suffix, byteLevelDecoder);
    }

    private static bool Flag(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static PreTokenizer? ParsePreTokenizer(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var type = e.GetProperty("type").GetString();
        switch (type)
        {
            case "Sequence":
                return new SequencePreTokenizer([.. e.GetProperty("pretokenizers").EnumerateArray().Select(static p => ParsePreTokenizer(p)!)]);
            case "ByteLevel":
                return new ByteLevelPreTokenizer(Flag(e, "add_prefix_space"), !e.TryGetProperty("use_regex", out var r) || r.ValueKind != JsonValueKind.False);
            case "Split":
                var pattern = e.GetProperty("pattern");
                var regex = pattern.TryGetProperty("Regex", out var rx)
                    ? rx.GetString()!
                    : System.Text.RegularExpressions.Regex.Escape(pattern.GetProperty("String").GetString()!);
                var behavior = e.GetProperty("behavior").GetString() switch
                {
                    "Isolated" => SplitBehavior.Isolated,
                    "Removed" => SplitBehavior.Removed,
                    "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
                    "MergedWithNext" => SplitBehavior.MergedWithNext,
                    var b => throw new NotSupportedException($"unsupported Split behavior '{b}'."),
                };
                return new RegexSplit(PreTokenizerPatterns.Compile(regex), behavior, Flag(e, "invert"));
            default:
                throw new NotSupportedException($"unsupported pre_tokenizer '{type}'; supported are ByteLevel, Split and Sequence.");
        }
    }

    private static List<string> NormalizerTypes(JsonElement e)
    {
        var types = new List<string>();
        if (e.ValueKind != JsonValueKind.Object)
        {
            return types;
        }

        var type = e.GetProperty("type").GetString()!;
        if (type == "Sequence")
        {
            foreach (var inner in e.GetProperty("normalizers").EnumerateArray())
            {
                types.AddRange(NormalizerTypes(inner));
            }
        }
        else
        {
            types.Add(type);
        }

        return types;
    }

    /// <summary>The special tokens of a TemplateProcessing "single" template around $A (ByteLevel post-processing adds none).</summary>
    private static (int[] Prefix, int[] Suffix) ParseTemplate(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            return ([], []);
        }

        switch (e.GetProperty("type").GetString())
        {
            case "Sequence":
                var prefix = new List<int>();
                var suffix = new List<int>();
                foreach (var p in e.GetProperty("processors").EnumerateArray())
                {
                    var (a, b) = ParseTemplate(p);
                    prefix.AddRange(a);
                    suffix.AddRange(b);
                }

                return ([.. prefix], [.. suffix]);
            case "TemplateProcessing":
                var specials = e.GetProperty("special_tokens");
                var before = new List<int>();
                var after = new List<int>();
                var seenSequence = false;
                foreach (var item in e.GetProperty("single").EnumerateArray())
                {
                    if (item.TryGetProperty("Sequence", out _))
                    {
                        seenSequence = true;
                        continue;
                    }

                    var name = item.GetProperty("SpecialToken").GetProperty("id").GetString()!;
                    var ids = specials.GetProperty(name).GetProperty("ids").EnumerateArray().Select(static x => x.GetInt32());
                    (seenSequence ? after : before).AddRange(ids);
                }

                return ([.. before], [.. after]);
            case "ByteLevel":
                return ([], []);
            case var other:
                throw new NotSupportedException($"unsupported post_processor '{other}'; supported are ByteLevel, TemplateProcessing and Sequence.");
        }
    }

    private static bool ContainsType(JsonElement e, string type)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        if (e.TryGetProperty("type", out var t) && t.GetString() == type)
        {
            return true;
        }

        return e.TryGetProperty("decoders", out var inner) && inner.EnumerateArray().Any(x => ContainsType(x, type));
    }
}
