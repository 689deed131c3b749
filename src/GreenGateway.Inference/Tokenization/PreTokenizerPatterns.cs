using System.Text.RegularExpressions;

namespace GreenGateway.Inference.Tokenization;

/// <summary>
/// Pre-tokenizer regexes as the published tokenizer.json files spell them (GPT-2's is also tokenizers'
/// ByteLevel default). .NET's regex engine reads them unchanged; one difference from Oniguruma remains:
/// .NET matches \p{L} and \p{N} per UTF-16 unit, so letters and digits outside the BMP split differently.
/// </summary>
internal static class PreTokenizerPatterns
{
    public const string Gpt2 = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public const string Llama3 = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public const string Qwen2 = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public static Regex Compile(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            throw new NotSupportedException($"the pre-tokenizer regex '{pattern}' is not one .NET can run: {e.Message}", e);
        }
    }
}
