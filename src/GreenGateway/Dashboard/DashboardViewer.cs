using System.Net;
using GreenGateway.Tenants;

namespace GreenGateway.Dashboard;

/// <summary>Who is looking at the dashboard: an admin (every tenant) or a tenant (itself only).</summary>
/// <param name="Name">The admin's id, or the tenant's.</param>
/// <param name="Tenant">The tenant a tenant key confines the view to; null for an admin.</param>
internal sealed record DashboardViewer(string Name, string? Tenant)
{
    public bool IsAdmin => Tenant is null;

    /// <summary>Whether this viewer may see <paramref name="tenant"/>.</summary>
    public bool Sees(string tenant) => Tenant is null || Tenant == tenant;
}

/// <summary>
/// Authenticates the dashboard and the admin API: <c>Authorization: Bearer</c>, else the login form's cookie, holding an
/// admin key (<c>admins:</c> in the policies) or a tenant key. The cookie holds the key itself (HttpOnly, SameSite=Strict,
/// Secure over HTTPS) and is checked against the current policies on every request, so that a key removed from the
/// policies closes its sessions at once, on every replica. An admin key marked <c>loopback_only</c> is refused from any
/// address but loopback.
/// </summary>
internal sealed class DashboardAuth(PolicyMonitor policies)
{
    public const string CookieName = "gg_dashboard";

    public DashboardViewer? Authenticate(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var key = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        if (string.IsNullOrEmpty(key))
        {
            key = context.Request.Cookies[CookieName];
        }

        return key is { Length: > 0 } ? Authenticate(key, context.Connection.RemoteIpAddress) : null;
    }

    public DashboardViewer? Authenticate(string key, IPAddress? remote)
    {
        var snapshot = policies.Current;
        if (snapshot.TryAuthenticateAdmin(key, out var admin))
        {
            return admin!.LoopbackOnly && (remote is null || !IPAddress.IsLoopback(remote)) ? null : new DashboardViewer(admin.Id, null);
        }

        return snapshot.TryAuthenticate(key, out var tenant) ? new DashboardViewer(tenant!.Id, tenant.Id) : null;
    }

    /// <summary>Sets the session cookie after a successful login.</summary>
    public static void SignIn(HttpContext context, string key) =>
        context.Response.Cookies.Append(CookieName, key, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
            MaxAge = TimeSpan.FromHours(12),
        });

    public static void SignOut(HttpContext context) =>
        context.Response.Cookies.Delete(CookieName, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps, Path = "/" });
}
