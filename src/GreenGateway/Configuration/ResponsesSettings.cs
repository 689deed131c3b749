using GreenGateway.Core.Responses;

namespace GreenGateway.Configuration;

/// <summary>The <c>Responses</c> section: how stored responses of the Responses API are kept (in Redis when <c>Redis.Url</c> is set).</summary>
public sealed record ResponsesSettings
{
    /// <summary>Hours a stored response can be fetched and continued. Default 720 (30 days, as OpenAI keeps them).</summary>
    public double StoreTtlHours { get; init; } = 720;

    /// <summary>The most responses a gateway without Redis keeps; the oldest go first past it. Default 10000.</summary>
    public int MaxInMemory { get; init; } = 10_000;

    public ResponseStoreOptions ToOptions() => new() { Ttl = TimeSpan.FromHours(StoreTtlHours), MaxInMemory = MaxInMemory };

    public void Validate(List<string> errors)
    {
        if (!(StoreTtlHours > 0) || StoreTtlHours > 24 * 365 * 10)
        {
            errors.Add("Responses.StoreTtlHours must be > 0 and at most ten years.");
        }

        if (MaxInMemory < 1)
        {
            errors.Add("Responses.MaxInMemory must be >= 1.");
        }
    }
}
