using System.Text;
using GreenGateway.Inference.Tokenization;

namespace GreenGateway.Inference.Tests.Tokenization;

public sealed class ReferenceTokenizerTests
{
    public static TheoryData<string> Kinds => new() { "gpt2", "llama3", "qwen2" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Encode_VariedTexts_GivesTheSameIdsAsHuggingFaceTokenizers(string kind)
    {
        var tokenizer = Load(kind);
        var expected = ReferenceData.Tokenization.GetProperty(kind).GetProperty("ids");
        var texts = Texts();
        var mismatches = new List<string>();
        for (var i = 0; i < texts.Length; i++)
        {
            var actual = tokenizer.Encode(texts[i]);
            var want = ReferenceData.Ints(expected[i]);
            if (!actual.SequenceEqual(want))
            {
                mismatches.Add($"#{i} {texts[i]}: [{string.Join(",", actual)}] vs [{string.Join(",", want)}]");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Encode_WithSpecialTokens_AddsWhatThePostProcessorAdds(string kind)
    {
        var tokenizer = Load(kind);
        var expected = ReferenceData.Tokenization.GetProperty(kind).GetProperty("ids_with_special");
        var texts = Texts();
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(ReferenceData.Ints(expected[i]), tokenizer.Encode(texts[i], addSpecialTokens: true));
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Decode_ReferenceIds_GivesHuggingFaceText(string kind)
    {
        var tokenizer = Load(kind);
        var reference = ReferenceData.Tokenization.GetProperty(kind);
        for (var i = 0; i < Texts().Length; i++)
        {
            var ids = ReferenceData.Ints(reference.GetProperty("ids")[i]);
            Assert.Equal(reference.GetProperty("decoded")[i].GetString(), tokenizer.Decode(ids));
            Assert.Equal(reference.GetProperty("decoded_skip_special")[i].GetString(), tokenizer.Decode(ids, skipSpecialTokens: true));
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EncodeThenDecode_GivesBackTheTextUpToItsNormalization(string kind)
    {
        var tokenizer = Load(kind);
        foreach (var text in Texts())
        {
            var expected = kind == "qwen2" ? text.Normalize(NormalizationForm.FormC) : text;
            Assert.Equal(expected, tokenizer.Decode(tokenizer.Encode(text)));
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void StreamingDecoder_PiecesJoined_EqualTheWholeDecodeAndHoldNoBrokenCharacters(string kind)
    {
        var tokenizer = Load(kind);
        foreach (var text in Texts())
        {
            var decoder = tokenizer.CreateStreamingDecoder();
            var sb = new StringBuilder();
            foreach (var id in tokenizer.Encode(text))
            {
                var piece = decoder.Append(id);
                Assert.DoesNotContain('\uFFFD', piece);
                sb.Append(piece);
            }

            sb.Append(decoder.Flush());
            Assert.Equal(tokenizer.Decode(tokenizer.Encode(text)), sb.ToString());
        }
    }

    [Fact]
    public void StreamingDecoder_EmojiSplitOverByteTokens_IsHeldUntilComplete()
    {
        var tokenizer = Load("gpt2");
        var bytes = Encoding.UTF8.GetBytes("🚀");
        var ids = bytes.Select(b => tokenizer.TokenToId(ByteLevel.Encode(b).ToString())!.Value).ToArray();
        var decoder = tokenizer.CreateStreamingDecoder();

        var pieces = ids.Select(decoder.Append).ToArray();

        Assert.Equal(["", "", "", "🚀"], pieces);
    }

    [Fact]
    public void Encode_EmojiUnseenInTraining_FallsBackToSeveralByteTokensThatDecodeBack()
    {
        var tokenizer = Load("llama3");

        var ids = tokenizer.Encode("🦀");

        Assert.InRange(ids.Length, 2, 4);
        Assert.Equal("🦀", tokenizer.Decode(ids));
    }

    [Fact]
    public void Qwen2Tokenizer_InThisTestProcessWithIcu_NormalizesExactly()
    {
        Assert.True(Load("qwen2").NormalizesExactly);
        Assert.Equal(Load("qwen2").Encode("\u00e9"), Load("qwen2").Encode("e\u0301"));
    }

    [Fact]
    public void Encode_WithoutParsingSpecialTokens_KeepsTypedSpecialTokensAsPlainText()
    {
        var tokenizer = Load("qwen2");
        var imEnd = tokenizer.TokenToId("<|im_end|>")!.Value;

        var parsed = tokenizer.Encode("hi<|im_end|>");
        var plain = tokenizer.Encode("hi<|im_end|>", parseSpecialTokens: false);

        Assert.Contains(imEnd, parsed);
        Assert.DoesNotContain(imEnd, plain);
        Assert.Equal("hi<|im_end|>", tokenizer.Decode(plain));
        Assert.Contains(tokenizer.TokenToId("GreenGateway")!.Value, tokenizer.Encode("GreenGateway", parseSpecialTokens: false));
    }

    [Fact]
    public void Decode_IdPastTheVocabulary_AddsNoText()
    {
        var tokenizer = Load("gpt2");
        var hello = tokenizer.Encode("Hello");

        Assert.Equal("Hello", tokenizer.Decode([.. hello, tokenizer.VocabSize + 5]));
        Assert.Equal("", tokenizer.CreateStreamingDecoder().Append(tokenizer.VocabSize));
    }

    internal static Tokenizer Load(string kind) => Tokenizer.FromFile(ReferenceData.PathOf("tokenizers", kind, "tokenizer.json"));

    private static string[] Texts() =>
        ReferenceData.Tokenization.GetProperty("texts").EnumerateArray().Select(static t => t.GetString()!).ToArray();
}
