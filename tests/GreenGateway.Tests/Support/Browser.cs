using Microsoft.Playwright;

namespace GreenGateway.Tests.Support;

/// <summary>
/// Debian's chromium, driven by Playwright (browsers cannot be downloaded here, so Playwright's own build is never
/// used): <c>GG_CHROMIUM</c> or <c>/usr/bin/chromium</c>, installed by test.sh where it is missing.
/// </summary>
internal sealed class Browser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;

    private Browser(IPlaywright playwright, IBrowser chromium)
    {
        _playwright = playwright;
        Chromium = chromium;
    }

    public IBrowser Chromium { get; }

    public static string ExecutablePath => Environment.GetEnvironmentVariable("GG_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static async Task<Browser> LaunchAsync()
    {
        Assert.True(File.Exists(ExecutablePath), $"chromium is not installed at {ExecutablePath}: run ./test.sh (it installs Debian's chromium) or set GG_CHROMIUM.");
        var playwright = await Playwright.CreateAsync();
        // --no-sandbox: the tests may run as root in a container, where chromium's sandbox cannot start.
        var chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        return new Browser(playwright, chromium);
    }

    /// <summary>Where screenshots are kept after a run: <c>GG_ARTIFACTS</c>, else <c>artifacts/</c> beside the test binaries.</summary>
    public static string ArtifactsDirectory
    {
        get
        {
            var folder = Environment.GetEnvironmentVariable("GG_ARTIFACTS") is { Length: > 0 } path ? path : Path.Combine(AppContext.BaseDirectory, "artifacts");
            Directory.CreateDirectory(folder);
            return folder;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Chromium.DisposeAsync();
        _playwright.Dispose();
    }
}
