namespace GreenGateway.Configuration;

/// <summary>The <c>Gateway</c> section: request handling that is not about one upstream.</summary>
public sealed record GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Largest request body accepted, in bytes; larger ones get 413. Default 8 MiB.</summary>
    public long MaxRequestBodyBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>The folder of tenant policy files, relative to the content root. Default <c>policies</c>.</summary>
    public string PoliciesPath { get; init; } = "policies";

    /// <summary>Completion tokens assumed when a request sets no max_tokens, for its budget reservation. Default 256.</summary>
    public int DefaultCompletionTokens { get; init; } = 256;

    /// <summary>Logs prompts and responses at Debug level. Never on in production. Default false.</summary>
    public bool LogPrompts { get; init; }

    /// <summary>Largest non-streamed upstream response the gateway reads to add its figures, in bytes. Default 64 MiB.</summary>
    public long MaxResponseBodyBytes { get; init; } = 64 * 1024 * 1024;

    public void Validate(List<string> errors)
    {
        if (MaxRequestBodyBytes <= 0)
        {
            errors.Add("Gateway.MaxRequestBodyBytes must be > 0.");
        }

        if (MaxResponseBodyBytes <= 0)
        {
            errors.Add("Gateway.MaxResponseBodyBytes must be > 0.");
        }

        if (DefaultCompletionTokens < 0)
        {
            errors.Add("Gateway.DefaultCompletionTokens must be >= 0.");
        }

        if (string.IsNullOrWhiteSpace(PoliciesPath))
        {
            errors.Add("Gateway.PoliciesPath is required.");
        }
    }
}
