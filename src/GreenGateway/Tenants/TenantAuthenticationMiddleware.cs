using GreenGateway.Errors;

namespace GreenGateway.Tenants;

/// <summary>
/// Every <c>/v1</c> request carries <c>Authorization: Bearer &lt;key&gt;</c>; the key's SHA-256 must match a
/// tenant of the current policies (compared in constant time). Anything else is a 401 in OpenAI's shape.
/// </summary>
/// <remarks>
/// A request of this gateway's own batch runner carries instead the process's batch key and the batch's tenant
/// (<see cref="Batches.SelfLineSender"/>); the headers are removed here, so that they never reach an upstream.
/// </remarks>
internal sealed class TenantAuthenticationMiddleware(RequestDelegate next, PolicyMonitor policies, Batches.BatchKey batchKey)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1"))
        {
            await next(context);
            return;
        }

        var headers = context.Request.Headers;
        if (headers.ContainsKey(Batches.SelfLineSender.KeyHeader) || headers.ContainsKey(Batches.SelfLineSender.TenantHeader) || headers.ContainsKey(Batches.SelfLineSender.RegionHeader)
            || headers.ContainsKey(Batches.SelfLineSender.HeldHeader))
        {
            var presented = headers[Batches.SelfLineSender.KeyHeader].ToString();
            var tenantId = headers[Batches.SelfLineSender.TenantHeader].ToString();
            var region = headers[Batches.SelfLineSender.RegionHeader].ToString();
            headers.Remove(Batches.SelfLineSender.KeyHeader);
            headers.Remove(Batches.SelfLineSender.TenantHeader);
            headers.Remove(Batches.SelfLineSender.RegionHeader);
            var held = headers.Remove(Batches.SelfLineSender.HeldHeader);
            var current = policies.Current;
            if (!batchKey.Matches(presented) || !current.Tenants.TryGetValue(tenantId, out var batchTenant))
            {
                await OpenAiErrors.WriteAsync(context, StatusCodes.Status401Unauthorized,
                    "Incorrect API key provided.", "invalid_request_error", code: "invalid_api_key");
                return;
            }

            context.Features.Set(new TenantFeature(batchTenant, current) { IsBatch = true, BatchRegion = region.Length > 0 ? region : null, BatchHeld = held });
            await next(context);
            return;
        }

        var header = context.Request.Headers.Authorization.ToString();
        var key = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header.AsSpan(7).Trim() : default;
        var snapshot = policies.Current;
        if (key.IsEmpty)
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status401Unauthorized,
                "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.", "invalid_request_error", code: "missing_api_key");
            return;
        }

        if (!snapshot.TryAuthenticate(key, out var tenant))
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status401Unauthorized,
                "Incorrect API key provided.", "invalid_request_error", code: "invalid_api_key");
            return;
        }

        context.Features.Set(new TenantFeature(tenant!, snapshot));
        await next(context);
    }
}
