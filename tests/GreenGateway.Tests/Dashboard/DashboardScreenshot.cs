using GreenGateway.Tests.Support;
using Microsoft.Playwright;

namespace GreenGateway.Dashboard.Tests;

/// <summary>
/// Takes docs/dashboard.png from a running gateway (the README's quick start after its first answer). Skipped unless
/// <c>GG_DASHBOARD_URL</c> (e.g. http://127.0.0.1:8080/dashboard) and <c>GG_DASHBOARD_KEY</c> (gg-admin-demo) are set;
/// the picture goes to <c>GG_ARTIFACTS</c> (or artifacts/ beside the test binaries).
/// </summary>
public sealed class DashboardScreenshot
{
    [Fact]
    public async Task ScreenshotOfARunningGateway()
    {
        var url = Environment.GetEnvironmentVariable("GG_DASHBOARD_URL");
        var key = Environment.GetEnvironmentVariable("GG_DASHBOARD_KEY");
        Assert.SkipWhen(string.IsNullOrEmpty(url) || string.IsNullOrEmpty(key), "GG_DASHBOARD_URL and GG_DASHBOARD_KEY are not set");

        await using var browser = await Browser.LaunchAsync();
        var context = await browser.Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            ExtraHTTPHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + key },
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync(url!);
        await page.WaitForSelectorAsync("body[data-loaded]");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.ArtifactsDirectory, "dashboard.png"), FullPage = true });
        await context.DisposeAsync();
    }
}
