using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace GreenGateway.Core.Cache;

/// <summary>
/// The hard boundary around cache entries: an entry answers only queries of the same tenant, model, generation
/// parameters and conversation so far. Embedding similarity is used only inside one partition, never across.
/// </summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="Model">The requested model.</param>
/// <param name="ParametersHash">From <see cref="CacheParameters.Hash"/>.</param>
/// <param name="ContextHash">From <see cref="CacheKeys.ContextHash"/>: the system prompt and earlier turns.</param>
public readonly record struct CachePartition(string TenantId, string Model, string ParametersHash, string ContextHash)
{
    /// <summary>A fixed-length id of the whole partition (hex SHA-256 prefix), safe in any key name.</summary>
    public string Id => CacheKeys.Hash($"{TenantId}\0{Model}\0{ParametersHash}\0{ContextHash}");
}

/// <summary>The generation parameters that change an answer; any difference means a different partition.</summary>
public sealed record CacheParameters
{
    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public int? MaxTokens { get; init; }

    public long? Seed { get; init; }

    public double? PresencePenalty { get; init; }

    public double? FrequencyPenalty { get; init; }

    /// <summary>Stop sequences, in request order.</summary>
    public IReadOnlyList<string>? Stop { get; init; }

    /// <summary>The request's tools and tool_choice as JSON text (hashed as given).</summary>
    public string? ToolsJson { get; init; }

    /// <summary>The request's response_format as JSON text.</summary>
    public string? ResponseFormatJson { get; init; }

    /// <summary>A canonical text of every field, hashed.</summary>
    public string Hash()
    {
        var text = new StringBuilder();
        text.Append("t=").Append(Number(Temperature)).Append(";p=").Append(Number(TopP))
            .Append(";m=").Append(MaxTokens?.ToString(CultureInfo.InvariantCulture)).Append(";s=").Append(Seed?.ToString(CultureInfo.InvariantCulture))
            .Append(";pp=").Append(Number(PresencePenalty)).Append(";fp=").Append(Number(FrequencyPenalty)).Append(";stop=");
        if (Stop is not null)
        {
            foreach (var s in Stop)
            {
                text.Append(s.Length).Append(':').Append(s);
            }
        }

        text.Append(";tools=").Append(ToolsJson).Append(";rf=").Append(ResponseFormatJson);
        return CacheKeys.Hash(text.ToString());
    }

    private static string? Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>One earlier message of the conversation, for <see cref="CacheKeys.ContextHash"/>.</summary>
public readonly record struct CacheMessage(string Role, string Content);

/// <summary>Hashes and normalisation shared by every cache implementation, so that replicas and stores agree.</summary>
public static class CacheKeys
{
    /// <summary>Lower case, whitespace collapsed to single spaces, trimmed, trailing ?!. removed: what an exact match compares.</summary>
    public static string NormalizePrompt(string prompt)
    {
        var text = new StringBuilder(prompt.Length);
        var space = false;
        foreach (var ch in prompt.Trim())
        {
            if (char.IsWhiteSpace(ch))
            {
                space = true;
                continue;
            }

            if (space && text.Length > 0)
            {
                text.Append(' ');
            }

            space = false;
            text.Append(char.ToLowerInvariant(ch));
        }

        while (text.Length > 0 && text[^1] is '?' or '!' or '.')
        {
            text.Length--;
        }

        return text.ToString();
    }

    /// <summary>Hash of the normalized prompt.</summary>
    public static string PromptHash(string prompt) => Hash(NormalizePrompt(prompt));

    /// <summary>Hash of the system prompt and all turns before the one being answered, roles included.</summary>
    public static string ContextHash(IReadOnlyList<CacheMessage> earlier)
    {
        var text = new StringBuilder();
        foreach (var message in earlier)
        {
            text.Append(message.Role).Append('\0').Append(message.Content.Length).Append(':').Append(message.Content).Append('\0');
        }

        return Hash(text.ToString());
    }

    /// <summary>The first 128 bits of SHA-256, as 32 lower-case hex digits.</summary>
    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));
}
