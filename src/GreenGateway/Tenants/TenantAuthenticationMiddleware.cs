using GreenGateway.Errors;

namespace GreenGateway.Tenants;

/// <summary>
/// Every <c>/v1</c> request carries <c>Authorization: Bearer &lt;key&gt;</c>; the key's SHA-256 must match a
/// tenant of the current policies (compared in constant time). Anything else is a 401 in OpenAI's shape.
/// </summary>
internal sealed class TenantAuthenticationMiddleware(RequestDelegate next, PolicyMonitor policies)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1"))
        {
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
