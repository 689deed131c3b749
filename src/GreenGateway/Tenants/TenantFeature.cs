using GreenGateway.Core.Policies;

namespace GreenGateway.Tenants;

/// <summary>The authenticated tenant of a request, and the policy set it was authenticated against.</summary>
internal sealed record TenantFeature(TenantPolicy Tenant, PolicySet Policies);
