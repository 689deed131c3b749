using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Deque.AxeCore.Playwright;
using GreenGateway.Core.Policies;
using GreenGateway.Tests.Support;
using Microsoft.Playwright;

namespace GreenGateway.Dashboard.Tests;

/// <summary>
/// The dashboard in a real browser (Debian's chromium through Playwright): a gateway with a stand-in upstream answers a
/// known sequence (a rule, an upstream answer, the same question from the cache, a refusal, another tenant's answer, a
/// verdict), then the page must show the figures the admin API and <c>/v1/usage</c> report, log no script error, keep
/// each tenant to itself, pass axe's accessibility rules and fit 1,280 px and a phone's width.
/// </summary>
public sealed class DashboardBrowserTests(DashboardBrowserTests.Fixture fixture) : IClassFixture<DashboardBrowserTests.Fixture>
{
    public const string AdminKey = "key-admin";

    private static readonly string Policies = $$"""
        tenants:
          alpha:
            keys: ["{alpha}"]
            budgets:
              day: { energy_wh: 100, carbon_g: 50 }
          beta:
            keys: ["{beta}"]
          tiny:
            keys: ["{tiny}"]
            budgets:
              minute: { energy_wh: 0.0000001 }
        admins:
          ops:
            keys: ["{{PolicySet.HashKey(AdminKey)}}"]
            loopback_only: true
        """;

    private const string Question = """{"model":"echo-model","temperature":0,"max_tokens":8,"messages":[{"role":"user","content":"What does System.String.Trim do?"}]}""";

    private GatewayHost _gateway => fixture.Gateway;

    private Browser _browser => fixture.Browser;

    private string _upstreamAnswerId => fixture.UpstreamAnswerId;

    /// <summary>One gateway, one browser and the sequence sent once, for every test of the class.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private FakeOpenAiUpstream _upstream = null!;

        internal GatewayHost Gateway { get; private set; } = null!;

        internal Browser Browser { get; private set; } = null!;

        public string UpstreamAnswerId { get; private set; } = "";

        public async ValueTask InitializeAsync()
        {
            _upstream = await FakeOpenAiUpstream.StartAsync();
            Gateway = await GatewayHost.StartAsync([_upstream.BaseUrl], Policies, new Dictionary<string, string?> { ["Cache:Enabled"] = "true" });
            Browser = await Browser.LaunchAsync();
            UpstreamAnswerId = await SendTheSequenceAsync(Gateway);
        }

        public async ValueTask DisposeAsync()
        {
            await Browser.DisposeAsync();
            await Gateway.DisposeAsync();
            await _upstream.DisposeAsync();
        }
    }

    [Fact]
    public async Task AdminPage_ShowsTheFiguresOfTheAdminApiAndUsage_WithoutScriptErrors()
    {
        var overview = await OverviewAsync(AdminKey);
        var alpha = Tenant(overview, "alpha");
        using var alphaClient = _gateway.Client("key-alpha");
        var usage = await Json.ReadObjectAsync(await alphaClient.GetAsync("/v1/usage", TestContext.Current.CancellationToken));
        var day = usage["windows"]!.AsArray().Single(w => w!["window"]!.GetValue<string>() == "day")!;

        // The sequence, as the admin API counts it: a rule, an upstream answer and a cache hit; one refusal.
        // (The question may reach the upstream again before its answer is in the cache: the write-back is asynchronous.)
        var answers = alpha["requests"]!.GetValue<double>();
        Assert.Equal(1, alpha["tiers"]!["rules"]!.GetValue<double>());
        Assert.Equal(1, alpha["tiers"]!["cache"]!.GetValue<double>());
        Assert.Equal(answers - 2, alpha["tiers"]!["upstream"]!.GetValue<double>());
        Assert.True(answers >= 3);
        Assert.Equal(1, Tenant(overview, "tiny")["refused"]!.GetValue<double>());
        Assert.Equal(1, alpha["not_useful"]!.GetValue<double>());
        Assert.Equal(answers - 1, alpha["useful_answers"]!.GetValue<double>());
        // What the series summed equals what the ledger settled.
        Assert.Equal(day["energy_joules"]!.GetValue<double>(), alpha["energy_joules"]!.GetValue<double>(), 9);
        Assert.Equal(day["carbon_gco2e"]!.GetValue<double>(), alpha["carbon_gco2e"]!.GetValue<double>(), 12);

        var (page, errors) = await OpenAsync(AdminKey, 1280);
        await page.Locator("#tenant").SelectOptionAsync("alpha");
        await WaitForAsync(page, "[data-metric='summary.energy_joules']", alpha["energy_joules"]!.GetValue<double>());

        // The page's figures are the API's, and the budgets are /v1/usage's.
        await AssertFigureAsync(page, "summary.energy_joules", alpha["energy_joules"]!);
        await AssertFigureAsync(page, "summary.carbon_gco2e", alpha["carbon_gco2e"]!);
        await AssertFigureAsync(page, "summary.joules_per_useful_answer", alpha["joules_per_useful_answer"]!);
        await AssertFigureAsync(page, "summary.saving_joules", alpha["saving_joules"]!);
        await AssertFigureAsync(page, "summary.cache_hit_rate", alpha["cache_hit_rate"]!);
        await AssertFigureAsync(page, "tenant.alpha.energy_joules", day["energy_joules"]!);
        await AssertFigureAsync(page, "tenant.tiny.refused", JsonValue.Create(1.0));
        await AssertFigureAsync(page, "budget.alpha.day.energy_joules", day["energy_joules"]!);
        await AssertFigureAsync(page, "budget.alpha.day.carbon_gco2e", day["carbon_gco2e"]!);
        await AssertFigureAsync(page, "budget.alpha.day.limit_energy_wh", day["limit_energy_wh"]!);
        Assert.Equal(alpha["energy_joules"]!.GetValue<double>() / (answers - 1), Value(await page.GetAttributeAsync("[data-metric='summary.joules_per_useful_answer']", "data-value")), 9);
        Assert.Contains("answers not marked not useful", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        Assert.Equal(alpha["baseline_method"]!.GetValue<string>(), await page.GetAttributeAsync("[data-metric='summary.baseline_method']", "data-value"));

        // Each answer of the sequence is listed with its own figures.
        var upstreamAnswer = alpha["recent"]!.AsArray().Single(a => a!["id"]!.GetValue<string>() == _upstreamAnswerId)!;
        await AssertFigureAsync(page, $"answer.{_upstreamAnswerId}.energy_joules", upstreamAnswer["energy_joules"]!);
        Assert.Equal("not_useful", upstreamAnswer["verdict"]!.GetValue<string>());

        // Text with units, the grid's intensity and both charts.
        Assert.Matches(@"\d J$", await page.InnerTextAsync("[data-metric='summary.energy_joules']"));
        Assert.EndsWith("gCO2e", await page.InnerTextAsync("[data-metric='summary.carbon_gco2e']"), StringComparison.Ordinal);
        await AssertFigureAsync(page, "grid.world.g_per_kwh", overview["grid"]![0]!["g_per_kwh"]!);
        Assert.Equal(2, await page.Locator("figure svg[role='img']").CountAsync());
        Assert.Contains("upstream", await page.InnerTextAsync("#chart-tiers"), StringComparison.Ordinal);

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.ArtifactsDirectory, "dashboard-1280.png"), FullPage = true });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Page_PassesAxe_IsUsableByKeyboard_AndFitsAPhone()
    {
        var (page, errors) = await OpenAsync(AdminKey, 1280);
        var axe = await page.RunAxe();
        Assert.True(axe.Violations.Length == 0, "axe: " + string.Join("; ", axe.Violations.Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Html))}")));

        // The window buttons are reached and pressed from the keyboard.
        var day = page.Locator("[data-window='day']");
        for (var i = 0; i < 10 && !await day.EvaluateAsync<bool>("e => e === document.activeElement"); i++)
        {
            await page.Keyboard.PressAsync("Tab");
        }

        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("true", await day.GetAttributeAsync("aria-pressed"));
        await page.WaitForFunctionAsync("() => document.getElementById('scope').textContent.endsWith('last day')");

        // A phone: nothing wider than the screen but the tables, which scroll in their own region.
        await page.SetViewportSizeAsync(390, 844);
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("body[data-loaded]");
        Assert.True(await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth") <= 390, "the page scrolls sideways on a phone");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.ArtifactsDirectory, "dashboard-phone.png"), FullPage = true });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task LoginForm_SetsAnHttpOnlyStrictCookie_AndATenantKeySeesItsOwnTenantOnly()
    {
        var context = await _browser.Chromium.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        var errors = Watch(page);
        var first = await page.GotoAsync(_gateway.BaseAddress + "dashboard");
        Assert.Equal(401, first!.Status);

        await page.FillAsync("#key", "key-alpha");
        await page.ClickAsync("button[type='submit']");
        await page.WaitForSelectorAsync("body[data-loaded]");
        var cookie = (await context.CookiesAsync()).Single(c => c.Name == "gg_dashboard");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);

        var text = await page.InnerTextAsync("main");
        Assert.Contains("alpha", text, StringComparison.Ordinal);
        Assert.DoesNotContain("beta", text, StringComparison.Ordinal);
        Assert.DoesNotContain("tiny", text, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("[data-metric^='tenant.beta.']").CountAsync());
        Assert.False(await page.Locator("#tenant").IsVisibleAsync());

        // The session cannot ask for another tenant either.
        var status = await page.EvaluateAsync<int>("async () => (await fetch('/admin/v1/series?window=hour&tenant=beta')).status");
        Assert.Equal(403, status);

        await page.ClickAsync("text=Sign out");
        await page.WaitForSelectorAsync("#key");
        // The browser logs the statuses this test provokes (the login form's 401, the other tenant's 403); nothing else.
        Assert.DoesNotContain(errors, e => !e.Contains("status of 401", StringComparison.Ordinal) && !e.Contains("status of 403", StringComparison.Ordinal));
        await context.DisposeAsync();
    }

    [Fact]
    public async Task NoKey_Is401_AndAWrongKeyToo()
    {
        using var anonymous = _gateway.Client(key: null);
        foreach (var path in (string[])["/admin/v1/overview", "/admin/v1/series", "/admin/v1/charts", "/dashboard"])
        {
            var response = await anonymous.GetAsync(path, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using var wrong = _gateway.Client("not-a-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/admin/v1/overview", TestContext.Current.CancellationToken)).StatusCode);

        // An admin key opens no /v1 endpoint: it is not a tenant key.
        using var admin = _gateway.Client(AdminKey);
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.GetAsync("/v1/usage", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task TenantKey_SeesOnlyItsOwnTenant_InTheAdminApi()
    {
        var overview = await OverviewAsync("key-beta");
        Assert.Equal(["beta"], overview["tenants"]!.AsArray().Select(t => t!["tenant"]!.GetValue<string>()));
        Assert.Equal(1, overview["totals"]!["requests"]!.GetValue<double>());
        Assert.False(overview["viewer"]!["admin"]!.GetValue<bool>());

        using var beta = _gateway.Client("key-beta");
        var other = await beta.GetAsync("/admin/v1/series?tenant=alpha", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        var series = await Json.ReadObjectAsync(await beta.GetAsync("/admin/v1/series?window=hour&metric=requests&by=tenant", TestContext.Current.CancellationToken));
        Assert.Equal(["beta"], series["keys"]!.AsArray().Select(k => k!.GetValue<string>()));
        Assert.Equal(60, series["buckets"]!.AsArray().Count);
    }

    [Fact]
    public void LoopbackOnlyAdminKey_IsRefusedFromAnotherAddress()
    {
        var auth = (DashboardAuth)_gateway.Services.GetService(typeof(DashboardAuth))!;
        Assert.NotNull(auth.Authenticate(AdminKey, IPAddress.Loopback));
        Assert.NotNull(auth.Authenticate(AdminKey, IPAddress.IPv6Loopback));
        Assert.Null(auth.Authenticate(AdminKey, IPAddress.Parse("192.0.2.10")));
        Assert.NotNull(auth.Authenticate("key-alpha", IPAddress.Parse("192.0.2.10")));
    }

    /// <summary>A rule, an upstream answer, the same question from the cache, tiny's answer and refusal, beta's answer; alpha marks its upstream answer not useful.</summary>
    private static async Task<string> SendTheSequenceAsync(GatewayHost gateway)
    {
        var ct = CancellationToken.None;
        using var alpha = gateway.Client("key-alpha");
        var rule = await alpha.PostAsync("/v1/chat/completions", Json.Body("""{"model":"echo-model","messages":[{"role":"user","content":"What is 2+2?"}]}"""), ct);
        Assert.Equal("rules", rule.Headers.GetValues("X-GG-Tier").Single());

        var upstream = await alpha.PostAsync("/v1/chat/completions", Json.Body(Question), ct);
        Assert.Equal("upstream", upstream.Headers.GetValues("X-GG-Tier").Single());
        var upstreamAnswerId = upstream.Headers.GetValues("X-GG-Request-Id").Single();

        for (var i = 0; ; i++)
        {
            var again = await alpha.PostAsync("/v1/chat/completions", Json.Body(Question), ct);
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            if (again.Headers.GetValues("X-GG-Tier").Single() == "cache")
            {
                break;
            }

            Assert.True(i < 20, "the cache never answered");
            await Task.Delay(100, ct);
        }

        // The ledger admits a first request while nothing is consumed; the second finds the budget spent.
        using var tiny = gateway.Client("key-tiny");
        Assert.Equal(HttpStatusCode.OK, (await tiny.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await tiny.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), ct)).StatusCode);

        using var beta = gateway.Client("key-beta");
        Assert.Equal(HttpStatusCode.OK, (await beta.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), ct)).StatusCode);

        var verdict = await alpha.PostAsync("/v1/feedback", Json.Body($$"""{"response_id":"{{upstreamAnswerId}}","useful":false}"""), ct);
        Assert.Equal(HttpStatusCode.OK, verdict.StatusCode);
        return upstreamAnswerId;
    }

    private async Task<(IPage Page, List<string> Errors)> OpenAsync(string key, int width)
    {
        var context = await _browser.Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
            ExtraHTTPHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + key },
        });
        var page = await context.NewPageAsync();
        var errors = Watch(page);
        var response = await page.GotoAsync(_gateway.BaseAddress + "dashboard");
        Assert.Equal(200, response!.Status);
        await page.WaitForSelectorAsync("body[data-loaded]");
        return (page, errors);
    }

    /// <summary>Script errors and console errors, as the page logs them.</summary>
    private static List<string> Watch(IPage page)
    {
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add("page error: " + error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add($"console: {message.Text} ({message.Location})");
            }
        };
        return errors;
    }

    private static async Task WaitForAsync(IPage page, string selector, double value) =>
        await page.WaitForFunctionAsync(
            "([s, v]) => { const e = document.querySelector(s); return e && Math.abs(Number(e.dataset.value) - v) <= 1e-9 * Math.max(1, Math.abs(v)); }",
            new object[] { selector, value });

    private static async Task AssertFigureAsync(IPage page, string metric, JsonNode expected)
    {
        var locator = page.Locator($"[data-metric='{metric}']");
        Assert.Equal(1, await locator.CountAsync());
        var shown = await locator.GetAttributeAsync("data-value");
        Assert.Equal(expected.GetValue<double>(), Value(shown), 9);
        Assert.NotEqual("–", (await locator.InnerTextAsync()).Trim());
    }

    private static double Value(string? text) => double.Parse(text!, CultureInfo.InvariantCulture);

    private async Task<JsonObject> OverviewAsync(string key)
    {
        using var client = _gateway.Client(key);
        var response = await client.GetAsync("/admin/v1/overview?window=hour", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json.ReadObjectAsync(response);
    }

    private static JsonObject Tenant(JsonObject overview, string id) =>
        (JsonObject)overview["tenants"]!.AsArray().Single(t => t!["tenant"]!.GetValue<string>() == id)!;
}
