using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Core.Activity;
using GreenGateway.Errors;

namespace GreenGateway.Dashboard;

/// <summary>
/// The operator's page and the admin API behind it (docs/api.md): <c>GET /dashboard</c> (the page, or the login form with
/// 401), <c>POST /dashboard/login</c> and <c>/dashboard/logout</c>, the page's embedded assets, and
/// <c>GET /admin/v1/overview</c>, <c>/admin/v1/series</c> and <c>/admin/v1/charts</c>. Every one but the assets and the
/// login needs an admin key or a tenant key (<see cref="DashboardAuth"/>); a tenant key sees its own tenant only.
/// </summary>
internal static class DashboardEndpoints
{
    private static readonly string[] Metrics =
    [
        ActivityMetrics.Requests, ActivityMetrics.Errors, ActivityMetrics.Joules, ActivityMetrics.Grams, ActivityMetrics.BaselineJoules,
        ActivityMetrics.PromptTokens, ActivityMetrics.CompletionTokens, ActivityMetrics.Refused, ActivityMetrics.Downgraded,
        ActivityMetrics.NotUseful, ActivityMetrics.MarkedUseful, ActivityMetrics.SpecProposed, ActivityMetrics.SpecAccepted, ActivityMetrics.SpecVerifyCalls,
    ];

    public static void Map(WebApplication app)
    {
        app.MapGet("/dashboard", PageAsync);
        app.MapPost("/dashboard/login", LoginAsync);
        app.MapPost("/dashboard/logout", Logout);
        app.MapGet("/dashboard/assets/{name}", AssetAsync);
        app.MapGet("/admin/v1/overview", OverviewAsync);
        app.MapGet("/admin/v1/series", SeriesAsync);
        app.MapGet("/admin/v1/charts", ChartAsync);
    }

    private static async Task PageAsync(HttpContext context, DashboardAuth auth)
    {
        if (auth.Authenticate(context) is null)
        {
            await LoginFormAsync(context, null);
            return;
        }

        await WriteAssetAsync(context, "dashboard.html");
    }

    private static async Task LoginAsync(HttpContext context, DashboardAuth auth)
    {
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted) : null;
        var key = form?["key"].ToString().Trim();
        if (string.IsNullOrEmpty(key) || auth.Authenticate(key, context.Connection.RemoteIpAddress) is null)
        {
            await LoginFormAsync(context, "That key opens no dashboard: use an admin key (admins: in the policies) or your tenant's key.");
            return;
        }

        DashboardAuth.SignIn(context, key);
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = "/dashboard";
    }

    private static void Logout(HttpContext context)
    {
        DashboardAuth.SignOut(context);
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = "/dashboard";
    }

    private static Task AssetAsync(HttpContext context, string name) =>
        name is "dashboard.js" or "dashboard.css" ? WriteAssetAsync(context, name) : WriteNotFoundAsync(context);

    private static async Task OverviewAsync(HttpContext context, DashboardAuth auth, DashboardQuery query)
    {
        if (await ViewerAsync(context, auth) is not { } viewer || await WindowAsync(context) is not { } window)
        {
            return;
        }

        if (await ReadAsync(context, () => query.OverviewAsync(viewer, window, context.RequestAborted)) is { } overview)
        {
            await WriteJsonAsync(context, overview);
        }
    }

    private static async Task SeriesAsync(HttpContext context, DashboardAuth auth, DashboardQuery query)
    {
        if (await SeriesRequestAsync(context, auth) is not { } request)
        {
            return;
        }

        if (await ReadAsync(context, () => query.SeriesAsync(request.Viewer, request.Window, request.Metric, request.By, request.Tenant, request.Model, context.RequestAborted)) is { } series)
        {
            await WriteJsonAsync(context, series);
        }
    }

    private static async Task ChartAsync(HttpContext context, DashboardAuth auth, DashboardQuery query)
    {
        if (await SeriesRequestAsync(context, auth) is not { } request)
        {
            return;
        }

        if (await ReadAsync(context, () => query.SeriesAsync(request.Viewer, request.Window, request.Metric, request.By, request.Tenant, request.Model, context.RequestAborted)) is not { } series)
        {
            return;
        }

        var (title, unit) = request.Metric switch
        {
            ActivityMetrics.Joules => ($"Energy per {series["resolution"]} by {request.By}", "J"),
            ActivityMetrics.Grams => ($"Carbon per {series["resolution"]} by {request.By}", "gCO2e"),
            ActivityMetrics.Requests => ($"Answers per {series["resolution"]} by {request.By}", "answers"),
            _ => ($"{request.Metric} per {series["resolution"]} by {request.By}", request.Metric),
        };
        context.Response.ContentType = "image/svg+xml; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(SvgChart.Render(series, title, unit), context.RequestAborted);
    }

    /// <summary>Reads the figures before anything is written: a shared store (Redis) that is away is a 503, never a broken response.</summary>
    private static async Task<JsonObject?> ReadAsync(HttpContext context, Func<Task<JsonObject>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                "The dashboard's figures cannot be read now (the shared store is unavailable). Try again shortly.", "server_error", code: "activity_unavailable");
            return null;
        }
    }

    private sealed record SeriesRequest(DashboardViewer Viewer, ActivityWindow Window, string Metric, string By, string? Tenant, string? Model);

    private static async Task<SeriesRequest?> SeriesRequestAsync(HttpContext context, DashboardAuth auth)
    {
        if (await ViewerAsync(context, auth) is not { } viewer || await WindowAsync(context) is not { } window)
        {
            return null;
        }

        var q = context.Request.Query;
        var metric = q["metric"].ToString() is { Length: > 0 } m ? m : ActivityMetrics.Requests;
        if (Array.IndexOf(Metrics, metric) < 0)
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status400BadRequest, $"metric is one of {string.Join(", ", Metrics)}.", "invalid_request_error", "metric", "invalid_value");
            return null;
        }

        var by = q["by"].ToString() is { Length: > 0 } b ? b : "tier";
        if (by is not ("tier" or "tenant" or "model"))
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status400BadRequest, "by is tier, tenant or model.", "invalid_request_error", "by", "invalid_value");
            return null;
        }

        var tenant = q["tenant"].ToString() is { Length: > 0 } t ? t : null;
        if (tenant is not null && !viewer.Sees(tenant))
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status403Forbidden, "A tenant's key shows its own tenant only.", "invalid_request_error", "tenant", "tenant_not_allowed");
            return null;
        }

        return new SeriesRequest(viewer, window, metric, by, tenant, q["model"].ToString() is { Length: > 0 } model ? model : null);
    }

    private static async Task<DashboardViewer?> ViewerAsync(HttpContext context, DashboardAuth auth)
    {
        if (auth.Authenticate(context) is { } viewer)
        {
            return viewer;
        }

        var presented = context.Request.Headers.Authorization.Count > 0 || context.Request.Cookies.ContainsKey(DashboardAuth.CookieName);
        await OpenAiErrors.WriteAsync(context, StatusCodes.Status401Unauthorized,
            presented ? "Incorrect key: the admin API takes an admin key (admins: in the policies) or a tenant key (its own tenant only)."
                : "You didn't provide a key. Send an admin key or a tenant key as 'Authorization: Bearer <key>'.",
            "invalid_request_error", code: presented ? "invalid_api_key" : "missing_api_key");
        return null;
    }

    private static async Task<ActivityWindow?> WindowAsync(HttpContext context)
    {
        if (ActivityBuckets.TryParseWindow(context.Request.Query["window"].ToString(), out var window))
        {
            return window;
        }

        await OpenAiErrors.WriteAsync(context, StatusCodes.Status400BadRequest, "window is hour, day or month.", "invalid_request_error", "window", "invalid_value");
        return null;
    }

    private static async Task WriteJsonAsync(HttpContext context, JsonObject body)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        body.WriteTo(json);
    }

    private static async Task LoginFormAsync(HttpContext context, string? error)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        var html = (await ReadAssetAsync("login.html"))
            .Replace("{{error}}", error is null ? "" : $"<p class=\"error\" role=\"alert\">{System.Net.WebUtility.HtmlEncode(error)}</p>", StringComparison.Ordinal);
        SecurityHeaders(context);
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(html, context.RequestAborted);
    }

    private static async Task WriteAssetAsync(HttpContext context, string name)
    {
        SecurityHeaders(context);
        context.Response.ContentType = Path.GetExtension(name) switch
        {
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => "text/html; charset=utf-8",
        };
        await context.Response.WriteAsync(await ReadAssetAsync(name), context.RequestAborted);
    }

    private static Task WriteNotFoundAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    /// <summary>Nothing but the gateway's own files runs or loads on the page; it may not be framed.</summary>
    private static void SecurityHeaders(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
    }

    /// <summary>The page's files, embedded in the assembly (Dashboard/Assets): nothing is fetched from elsewhere.</summary>
    private static async Task<string> ReadAssetAsync(string name)
    {
        await using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("GreenGateway.Dashboard.Assets." + name)
            ?? throw new InvalidOperationException($"The dashboard asset {name} is not embedded.");
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
