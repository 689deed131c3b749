using System.Net;
using GreenGateway.Redis.Tests.Fixtures;
using GreenGateway.Tests.Support;

namespace GreenGateway.Budgets.Tests;

/// <summary>GG_REDIS_URL / Redis.Url: replicas share one budget through a real redis-server, and survive it going away.</summary>
public sealed class SharedBudgetTests : IAsyncLifetime
{
    // 0.01 Wh = 36 J a day; a request costs about 3.2 J and reserves about 6 J (max_tokens 8).
    private const string Policies = """
        tenants:
          tiny:
            keys: ["{tiny}"]
            budgets:
              day: { energy_wh: 0.01 }
          alpha:
            keys: ["{alpha}"]
        """;

    private readonly RedisServerFixture _redis = new();
    private FakeOpenAiUpstream _upstream = null!;

    public async ValueTask InitializeAsync()
    {
        await _redis.InitializeAsync();
        _upstream = await FakeOpenAiUpstream.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _upstream.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private Task<GatewayHost> ReplicaAsync(string failMode = "fail-open") => GatewayHost.StartAsync([_upstream.BaseUrl], Policies, new Dictionary<string, string?>
    {
        ["Redis:Url"] = _redis.ConnectionString,
        ["Redis:FailMode"] = failMode,
    });

    [Fact]
    public async Task TwoReplicas_EnforceOneBudget_WithinOneReservation()
    {
        await using var first = await ReplicaAsync();
        await using var second = await ReplicaAsync();
        using var a = first.Client("key-tiny");
        using var b = second.Client("key-tiny");

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            (i % 2 == 0 ? a : b).PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model", extra: ",\"max_tokens\":8")), TestContext.Current.CancellationToken)));

        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.TooManyRequests }));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.True(await Json.ConsumedJoulesAsync(a) <= 36 + 6.5);

        // Reservations held back part of the burst; one at a time, alternating replicas, the rest of the
        // budget is used until both refuse.
        var refusals = 0;
        for (var i = 0; i < 40 && refusals < 2; i++)
        {
            var response = await (i % 2 == 0 ? a : b).PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model", extra: ",\"max_tokens\":8")), TestContext.Current.CancellationToken);
            refusals = response.StatusCode == HttpStatusCode.TooManyRequests ? refusals + 1 : 0;
        }

        var chargedByFirst = await Json.ConsumedJoulesAsync(a);
        var chargedBySecond = await Json.ConsumedJoulesAsync(b);
        Assert.Equal(2, refusals);
        Assert.Equal(chargedByFirst, chargedBySecond, 9);
        Assert.InRange(chargedByFirst, 36, 36 + 6.5);
    }

    [Fact]
    public async Task RedisGoingAway_FailClosed_Answers503_AndRecoversWhenItReturns()
    {
        await using var gateway = await ReplicaAsync("fail-closed");
        using var client = gateway.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken)).StatusCode);

        await _redis.StopAsync();
        var during = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.Equal("ledger_unavailable", (await Json.ReadObjectAsync(during))["error"]!["code"]!.GetValue<string>());

        await _redis.StartAsync();
        var after = HttpStatusCode.ServiceUnavailable;
        for (var i = 0; i < 100 && after != HttpStatusCode.OK; i++)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
            after = (await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Fact]
    public async Task RedisGoingAway_FailOpen_KeepsServing_AndLosesNoCharge()
    {
        await using var gateway = await ReplicaAsync("fail-open");
        using var client = gateway.Client();
        var first = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
        var perRequest = double.Parse(first.Headers.GetValues("X-GG-Energy-J").Single(), System.Globalization.CultureInfo.InvariantCulture);

        await _redis.StopAsync();
        for (var i = 0; i < 3; i++)
        {
            var during = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, during.StatusCode);
        }

        await _redis.StartAsync();

        // The journal is replayed once Redis is back: all four requests are in the shared ledger.
        var charged = 0.0;
        for (var i = 0; i < 100 && Math.Abs(charged - (4 * perRequest)) > 1e-6; i++)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
            charged = await Json.ConsumedJoulesAsync(client);
        }

        Assert.Equal(4 * perRequest, charged, 6);
    }
}
