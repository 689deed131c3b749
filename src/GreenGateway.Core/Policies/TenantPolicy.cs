using GreenGateway.Core.Budgets;

namespace GreenGateway.Core.Policies;

/// <summary>What happens to a request once a tenant's budget is spent.</summary>
public enum ExhaustedAction
{
    /// <summary>429 with Retry-After until the spent window resets.</summary>
    Reject,

    /// <summary>
    /// Served by the tiers below the large model alone (rules, cache, the draft's answer as final); where the draft
    /// cannot serve the model, by the cheaper model named in <see cref="TenantPolicy.DowngradeTo"/>, if any.
    /// </summary>
    Downgrade,
}

/// <summary>One tenant as its policy file defines it. Immutable: a reload builds new ones.</summary>
public sealed record TenantPolicy
{
    /// <summary>The tenant's id, the key of its entry under <c>tenants:</c>. Required.</summary>
    public required string Id { get; init; }

    /// <summary>SHA-256 digests (32 bytes each) of the tenant's API keys. At least one.</summary>
    public required IReadOnlyList<byte[]> KeyHashes { get; init; }

    /// <summary>Model names the tenant may request; <c>*</c> allows all. Default: all.</summary>
    public IReadOnlyList<string> Models { get; init; } = ["*"];

    /// <summary>Budget limits by window; windows without one never refuse. Default: none.</summary>
    public IReadOnlyList<BudgetLimit> Limits { get; init; } = [];

    /// <summary>What a spent budget does. Default <see cref="ExhaustedAction.Reject"/>.</summary>
    public ExhaustedAction OnExhausted { get; init; } = ExhaustedAction.Reject;

    /// <summary>The model served once the budget is spent where the draft cannot serve the request. Default none.</summary>
    public string? DowngradeTo { get; init; }

    /// <summary>The tenant's time zone, for date and time answers. Default UTC.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>The built-in tier-0 answerers this tenant uses (arithmetic, units, datetime, greetings). Default all.</summary>
    public IReadOnlyList<string> BuiltinRules { get; init; } = Rules.RuleEngine.BuiltinNames;

    /// <summary>The tenant's cascade settings. Default <see cref="Cascade.CascadePolicy.Default"/>.</summary>
    public Cascade.CascadePolicy Cascade { get; init; } = GreenGateway.Core.Cascade.CascadePolicy.Default;

    /// <summary>The capacity and timing of the tenant's batches. Default <see cref="GreenGateway.Core.Batches.BatchPolicy.Default"/>.</summary>
    public GreenGateway.Core.Batches.BatchPolicy Batches { get; init; } = GreenGateway.Core.Batches.BatchPolicy.Default;

    public bool AllowsModel(string model)
    {
        foreach (var allowed in Models)
        {
            if (allowed == "*" || string.Equals(allowed, model, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
