using System.Runtime.InteropServices;
using System.Text;

namespace GreenGateway.Inference.Tokenization;

/// <summary>
/// Turns tokens into text as they arrive. A UTF-8 character may span tokens (an emoji is often 2-4 byte
/// tokens); its first bytes are held until it completes, so every piece returned is whole text and the pieces
/// joined equal <see cref="Tokenizer.Decode"/> of all the tokens.
/// </summary>
public sealed class StreamingDecoder
{
    private readonly Tokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly List<byte> _pending = [];

    internal StreamingDecoder(Tokenizer tokenizer, bool skipSpecialTokens)
    {
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>The text completed by <paramref name="id"/> (empty while a character is still incomplete).</summary>
    public string Append(int id)
    {
        _tokenizer.AppendBytes(id, _skipSpecialTokens, _pending);
        var complete = CompleteLength(CollectionsMarshal.AsSpan(_pending));
        if (complete == 0)
        {
            return "";
        }

        var text = Encoding.UTF8.GetString(CollectionsMarshal.AsSpan(_pending)[..complete]);
        _pending.RemoveRange(0, complete);
        return text;
    }

    /// <summary>Whatever is held back, read as is (an unfinished character becomes U+FFFD).</summary>
    public string Flush()
    {
        var text = Encoding.UTF8.GetString(CollectionsMarshal.AsSpan(_pending));
        _pending.Clear();
        return text;
    }

    /// <summary>Bytes that can be decoded now: all but a trailing lead byte whose continuation has not come yet.</summary>
    private static int CompleteLength(ReadOnlySpan<byte> bytes)
    {
        // Look back at most 3 bytes for the start of the last character.
        for (var back = 1; back <= Math.Min(4, bytes.Length); back++)
        {
            var b = bytes[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue; // continuation byte
            }

            var need = b < 0xC2 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : b <= 0xF4 ? 4 : 1;
            return need > back ? bytes.Length - back : bytes.Length;
        }

        return bytes.Length;
    }
}
