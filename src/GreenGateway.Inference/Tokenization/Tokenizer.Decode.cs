using System.Text;

namespace GreenGateway.Inference.Tokenization;

public sealed partial class Tokenizer
{
    /// <summary>
    /// Text of <paramref name="ids"/>: the bytes of every token joined, then read as UTF-8 with invalid sequences
    /// replaced by U+FFFD (tokenizers' ByteLevel decoder uses String::from_utf8_lossy).
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var bytes = new List<byte>(ids.Length * 4);
        foreach (var id in ids)
        {
            AppendBytes(id, skipSpecialTokens, bytes);
        }

        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    /// <summary>A decoder for a stream of tokens that holds back bytes of a character cut between tokens.</summary>
    public StreamingDecoder CreateStreamingDecoder(bool skipSpecialTokens = false) => new(this, skipSpecialTokens);

    internal void AppendBytes(int id, bool skipSpecialTokens, List<byte> output)
    {
        if (skipSpecialTokens && IsSpecial(id))
        {
            return;
        }

        // Ids past the tokenizer's vocabulary (models pad their embedding, e.g. Qwen2's 151,936 rows for 151,646
        // tokens) have no text; a sampled padding id adds nothing rather than failing the stream.
        if ((uint)id >= (uint)_idToToken.Length || _idToToken[id] is not { } token)
        {
            return;
        }

        if (ByteLevelDecoder)
        {
            ByteLevel.AppendTokenBytes(token, output);
        }
        else
        {
            output.AddRange(Encoding.UTF8.GetBytes(token));
        }
    }
}
