namespace GreenGateway.Inference.Tokenization;

/// <summary>
/// GPT-2's reversible byte-to-character map (openai/gpt-2 encoder.py bytes_to_unicode): printable bytes
/// '!'..'~', '¡'..'¬' and '®'..'ÿ' stand for themselves; the other 68 bytes map to U+0100 onwards in order.
/// Byte-level BPE vocabularies are written in these characters.
/// </summary>
internal static class ByteLevel
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByte = BuildCharToByte();

    public static char Encode(byte b) => ByteToChar[b];

    public static bool TryDecode(char c, out byte b) => CharToByte.TryGetValue(c, out b);

    /// <summary>The UTF-8 bytes of <paramref name="text"/>, each as its byte-level character.</summary>
    public static string EncodeString(ReadOnlySpan<char> text)
    {
        var maxBytes = System.Text.Encoding.UTF8.GetMaxByteCount(text.Length);
        Span<byte> bytes = maxBytes <= 512 ? stackalloc byte[maxBytes] : new byte[maxBytes];
        var count = System.Text.Encoding.UTF8.GetBytes(text, bytes);
        return string.Create(count, bytes[..count].ToArray(), static (chars, b) =>
        {
            for (var i = 0; i < b.Length; i++)
            {
                chars[i] = ByteToChar[b[i]];
            }
        });
    }

    /// <summary>
    /// Appends the bytes a token stands for: its characters mapped back to bytes, or, when any character is not
    /// in the map (an added token written in plain text), its UTF-8 bytes (tokenizers' ByteLevel decoder rule).
    /// </summary>
    public static void AppendTokenBytes(string token, List<byte> output)
    {
        foreach (var c in token)
        {
            if (!CharToByte.ContainsKey(c))
            {
                output.AddRange(System.Text.Encoding.UTF8.GetBytes(token));
                return;
            }
        }

        foreach (var c in token)
        {
            output.Add(CharToByte[c]);
        }
    }

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)next++;
        }

        return map;
    }

    private static Dictionary<char, byte> BuildCharToByte()
    {
        var map = new Dictionary<char, byte>(256);
        for (var b = 0; b < 256; b++)
        {
            map[ByteToChar[b]] = (byte)b;
        }

        return map;
    }
}
