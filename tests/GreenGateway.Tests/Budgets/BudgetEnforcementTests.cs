using System.Net;
using GreenGateway.Tests.Support;

namespace GreenGateway.Budgets.Tests;

/// <summary>A tenant's budget, end to end: refused with 429 and Retry-After once spent, served again when the window resets.</summary>
public sealed class BudgetEnforcementTests
{
    // One chat request costs about 3.2 J here; a minute budget of 0.001 Wh (3.6 J) admits two.
    private const string Policies = """
        tenants:
          tiny:
            keys: ["{tiny}"]
            budgets:
              minute: { energy_wh: 0.001 }
          saver:
            keys: ["{saver}"]
            budgets:
              minute: { carbon_g: 0.0000001 }
            on_exhausted: downgrade
            downgrade_to: small
        """;

    private static readonly DateTimeOffset Start = new(2026, 11, 21, 10, 0, 15, TimeSpan.Zero);

    [Fact]
    public async Task SpentBudget_Returns429WithRetryAfter_UntilTheWindowResets()
    {
        var clock = new FakeTimeProvider(Start);
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies, time: clock);
        using var client = gateway.Client("key-tiny");

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage last = null!;
        for (var i = 0; i < 4; i++)
        {
            last = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(TimeSpan.FromSeconds(45), last.Headers.RetryAfter!.Delta);
        var error = (await Json.ReadObjectAsync(last))["error"]!;
        Assert.Equal("budget_exhausted", error["code"]!.GetValue<string>());
        Assert.Equal(2, upstream.Requests.Count(r => r.Path == "/v1/chat/completions"));

        clock.Advance(TimeSpan.FromSeconds(45));
        var again = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task SpentBudget_OffAWholeSecond_RetryAfterIsRoundedUp()
    {
        // 10:00:15.250: the minute ends in 44.75 s; a client told 44 would retry a quarter second early and be refused again.
        var clock = new FakeTimeProvider(Start.AddMilliseconds(250));
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies, time: clock);
        using var client = gateway.Client("key-tiny");

        HttpResponseMessage last = null!;
        for (var i = 0; i < 3; i++)
        {
            last = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, last.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(45), last.Headers.RetryAfter!.Delta);

        // 44.75 s later, one tick before the minute's end, still refused; at its end, served.
        clock.Advance(TimeSpan.FromSeconds(44.75) - TimeSpan.FromTicks(1));
        var early = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.TooManyRequests, early.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), early.Headers.RetryAfter!.Delta);
        clock.Advance(TimeSpan.FromTicks(1));
        var onTime = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, onTime.StatusCode);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(503)]
    public async Task FailedRequests_ReleaseTheirReservations_SoASmallBudgetStillAdmits(int status)
    {
        // The tiny tenant's minute admits about two requests' reservations: five failures that kept theirs would spend it.
        var clock = new FakeTimeProvider(Start);
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies, time: clock,
            settings: new Dictionary<string, string?> { ["Upstreams:main:MaxAttempts"] = "1" });
        using var client = gateway.Client("key-tiny");
        upstream.FailNext(5, status);

        var failures = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            var failed = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
            failures.Add(failed.StatusCode);
            await Json.AssertNothingReservedAsync(client);
        }

        var served = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);

        Assert.All(failures, s => Assert.Equal((HttpStatusCode)status, s));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        await Json.AssertNothingReservedAsync(client);
    }

    [Fact]
    public async Task SpentBudget_WithDowngrade_IsServedByTheCheaperModel()
    {
        var clock = new FakeTimeProvider(Start);
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies, time: clock, settings: new Dictionary<string, string?>
        {
            ["Models:small:Upstream"] = "main",
            ["Models:small:UpstreamModel"] = "echo-small",
            ["Models:small:EnergyProfile"] = "small",
            ["Energy:Profiles:small:JoulesPerPromptToken"] = "0.001",
            ["Energy:Profiles:small:JoulesPerCompletionToken"] = "0.01",
        });
        using var client = gateway.Client("key-saver");

        var first = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
        var second = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.False(first.Headers.Contains("X-GG-Downgraded-From"));
        Assert.Equal("echo-model", second.Headers.GetValues("X-GG-Downgraded-From").Single());
        Assert.Equal(["echo-model", "echo-small"], upstream.Requests.Where(r => r.Body is not null).Select(r => r.Model));
        var cheap = double.Parse(second.Headers.GetValues("X-GG-Energy-J").Single(), System.Globalization.CultureInfo.InvariantCulture);
        var full = double.Parse(first.Headers.GetValues("X-GG-Energy-J").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(cheap < full / 10, $"downgraded {cheap} J vs {full} J");
    }

    [Fact]
    public async Task ConcurrentRequests_NeverOverspendByMoreThanOneReservation()
    {
        var clock = new FakeTimeProvider(Start);
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies, time: clock);
        using var client = gateway.Client("key-tiny");

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ =>
            client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model", extra: ",\"max_tokens\":8")), TestContext.Current.CancellationToken)));

        var admitted = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.TooManyRequests }));
        Assert.InRange(admitted, 1, 20);

        // Each admitted request reserved at least its actual cost, so what was charged stays within
        // the limit plus the largest single reservation in flight.
        var charged = await Json.ConsumedJoulesAsync(client);
        var perRequest = charged / admitted;
        Assert.True(charged <= 3.6 + perRequest + 1e-9, $"charged {charged} J for {admitted} requests");
    }
}
