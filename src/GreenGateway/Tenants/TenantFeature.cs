using GreenGateway.Core.Policies;

namespace GreenGateway.Tenants;

/// <summary>The authenticated tenant of a request, and the policy set it was authenticated against.</summary>
internal sealed record TenantFeature(TenantPolicy Tenant, PolicySet Policies)
{
    /// <summary>A batch request of this gateway's own runner: the region its plan chose (null: the model's own).</summary>
    public string? BatchRegion { get; init; }

    /// <summary>Whether the request is one of a batch's, sent by this gateway's runner.</summary>
    public bool IsBatch { get; init; }

    /// <summary>A batch request that runs on its batch's whole-batch hold (<c>batches.budget: reserve_whole</c>): admitted without a reservation of its own.</summary>
    public bool BatchHeld { get; init; }
}
