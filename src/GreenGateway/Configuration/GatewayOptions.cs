namespace GreenGateway.Configuration;

/// <summary>The <c>Gateway</c> section: request handling that is not about one upstream.</summary>
public sealed record GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Largest request body accepted, in bytes; larger ones get 413. Default 8 MiB.</summary>
    public long MaxRequestBodyBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>The folder of tenant policy files, relative to the content root. Default <c>policies</c>.</summary>
    public string PoliciesPath { get; init; } = "policies";

    /// <summary>
    /// Completion tokens reserved for a request that sets no max_tokens until its model has answered 20 such requests;
    /// then the 95th percentile of their lengths is reserved instead. Default 256.
    /// </summary>
    public int DefaultCompletionTokens { get; init; } = 256;

    /// <summary>
    /// The most completion tokens per choice an answer to a request without max_tokens is believed to have (a model's
    /// context); an upstream reporting more is not trusted. Default 131072 (128k, the context of Llama 3.1).
    /// </summary>
    public int MaxCompletionTokens { get; init; } = 131_072;

    /// <summary>Retry-After, in seconds, of a 429 refused because requests in flight hold the rest of a budget. Default 2.</summary>
    public int InFlightRetryAfterSeconds { get; init; } = 2;

    /// <summary>
    /// How often, at most, one live request of a tenant with <c>carbon_aware.prefer_region</c> goes to a cleaner upstream
    /// whose latency is not measured yet, or whose measurement is older than this and was out of the bound, to measure it
    /// (docs/batches.md, "Live requests in the cleaner region"), seconds. Default 60.
    /// </summary>
    public double LatencyProbeSeconds { get; init; } = 60;

    /// <summary>Logs prompts and responses at Debug level. Never on in production. Default false.</summary>
    public bool LogPrompts { get; init; }

    /// <summary>Largest non-streamed upstream response the gateway reads to add its figures, in bytes. Default 64 MiB.</summary>
    public long MaxResponseBodyBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>
    /// Paths outside the accounted endpoints through which a request with a body may pass (each with its accounting
    /// rule). A body-carrying request to any other /v1 path is refused with 404. Default none.
    /// </summary>
    public List<PassThroughPath> PassThroughPaths { get; init; } = [];

    /// <summary>Whether <paramref name="path"/> (normalized) is, or is under, one of <see cref="PassThroughPaths"/>.</summary>
    public PassThroughPath? PassThroughFor(PathString path)
    {
        foreach (var allowed in PassThroughPaths)
        {
            if (path.StartsWithSegments(allowed.Path, StringComparison.OrdinalIgnoreCase))
            {
                return allowed;
            }
        }

        return null;
    }

    public bool AllowsPassThrough(PathString path) => PassThroughFor(path) is not null;

    public void Validate(List<string> errors)
    {
        for (var i = 0; i < PassThroughPaths.Count; i++)
        {
            PassThroughPaths[i].Validate($"Gateway.PassThroughPaths[{i}]", errors);
        }

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

        if (MaxCompletionTokens < 1)
        {
            errors.Add("Gateway.MaxCompletionTokens must be >= 1.");
        }

        if (InFlightRetryAfterSeconds < 1)
        {
            errors.Add("Gateway.InFlightRetryAfterSeconds must be >= 1.");
        }

        if (!(LatencyProbeSeconds > 0))
        {
            errors.Add("Gateway.LatencyProbeSeconds must be > 0.");
        }

        if (string.IsNullOrWhiteSpace(PoliciesPath))
        {
            errors.Add("Gateway.PoliciesPath is required.");
        }
    }
}

/// <summary>A path outside the accounted endpoints that may take a request body, and how such requests are accounted.</summary>
public sealed record PassThroughPath
{
    public const string Free = "free";
    public const string Fixed = "fixed";
    public const string Tokens = "tokens";

    /// <summary>The path (and everything under it), e.g. <c>/v1/files</c>. Required.</summary>
    public string Path { get; init; } = "";

    /// <summary>
    /// How its requests are charged: <c>free</c> (metadata-only endpoints: not admitted, not charged), <c>fixed</c>
    /// (<see cref="JoulesPerRequest"/> per answered request), or <c>tokens</c> (the <c>usage</c> of a JSON answer, at
    /// <see cref="EnergyProfile"/>'s coefficients, as chat completions are). A <c>fixed</c> or <c>tokens</c> request is
    /// admitted against the tenant's budget first. Default free.
    /// </summary>
    public string Accounting { get; init; } = Free;

    /// <summary>IT joules (before PUE, as energy profiles are) charged per answered request, for <c>fixed</c>. Required for it.</summary>
    public double? JoulesPerRequest { get; init; }

    /// <summary>The energy profile <c>tokens</c> prices with. Default: the pass-through upstream's, else <c>Energy.DefaultProfile</c>.</summary>
    public string? EnergyProfile { get; init; }

    /// <summary>Whether requests to this path are admitted and charged (<c>fixed</c> or <c>tokens</c>).</summary>
    public bool IsAccounted => Accounting != Free;

    public void Validate(string at, List<string> errors)
    {
        if (!Path.StartsWith("/v1/", StringComparison.Ordinal) || Path.Length < 5)
        {
            errors.Add($"{at}.Path '{Path}' must be a path under /v1/.");
        }

        if (Routing.AccountedEndpoints.IsAccountedPath(Path))
        {
            errors.Add($"{at}.Path '{Path}' is an accounted endpoint of the gateway; it cannot be passed through.");
        }

        switch (Accounting)
        {
            case Free or Tokens:
                if (JoulesPerRequest is not null)
                {
                    errors.Add($"{at}.JoulesPerRequest is for Accounting 'fixed' only.");
                }

                break;
            case Fixed:
                if (JoulesPerRequest is not { } joules || !double.IsFinite(joules) || joules <= 0)
                {
                    errors.Add($"{at}.JoulesPerRequest must be a number > 0 for Accounting 'fixed'.");
                }

                break;
            default:
                errors.Add($"{at}.Accounting '{Accounting}' is not one of: free, fixed, tokens.");
                break;
        }
    }
}
