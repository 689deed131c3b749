using GreenGateway.Core.Policies;
using GreenGateway.Core.Requests;
using GreenGateway.Upstreams;

namespace GreenGateway.Pipeline;

/// <summary>Step 2: where the requested model is served, and whether the tenant may use it.</summary>
internal sealed class ModelResolver(ModelCatalog catalog, ModelDiscovery discovery)
{
    /// <param name="region">A batch request's region (the plan's cleanest): an upstream there that serves the model, else the model's own.</param>
    public async Task<(ModelRoute? Route, RequestError? Error)> ResolveAsync(OpenAiRequest request, TenantPolicy tenant, CancellationToken cancellationToken, string? region = null)
    {
        if (!catalog.TryResolve(request.Model, out var route))
        {
            // A model that appeared upstream a moment ago: look once more before saying it does not exist.
            await discovery.RefreshIfStaleAsync(cancellationToken);
            if (!catalog.TryResolve(request.Model, out route))
            {
                if (catalog.FirstUnreachable() is { } down)
                {
                    return (null, new RequestError(StatusCodes.Status502BadGateway,
                        $"The model '{request.Model}' is not known, and upstream '{down.Upstream}' cannot be reached to list its models: {down.Reason}",
                        "upstream_error", "model", "upstream_unreachable"));
                }

                return (null, new RequestError(StatusCodes.Status404NotFound,
                    $"The model '{request.Model}' does not exist or you do not have access to it.", "invalid_request_error", "model", "model_not_found"));
            }
        }

        if (!tenant.AllowsModel(request.Model))
        {
            return (null, new RequestError(StatusCodes.Status403Forbidden,
                $"The model '{request.Model}' is not allowed for this key.", "invalid_request_error", "model", "model_not_allowed"));
        }

        if (region is not null && catalog.TryResolveIn(request.Model, region, out var there))
        {
            route = there;
        }

        return (route, null);
    }
}
