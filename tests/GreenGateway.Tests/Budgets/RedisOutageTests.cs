using System.Net;
using GreenGateway.Redis.Tests.Fixtures;
using GreenGateway.Tests.Support;

namespace GreenGateway.Budgets.Tests;

/// <summary>A real redis-server stopped and restarted under a gateway, in both fail modes.</summary>
public sealed class RedisOutageTests : IAsyncLifetime
{
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

    private Task<GatewayHost> ReplicaAsync(string failMode) => GatewayHost.StartAsync([_upstream.BaseUrl], settings: new Dictionary<string, string?>
    {
        ["Redis:Url"] = _redis.ConnectionString,
        ["Redis:FailMode"] = failMode,
    });

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

        // Usage answers whole while Redis is away (its shared-state sections null), never a cut-off body.
        var usage = await client.GetAsync("/v1/usage", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, usage.StatusCode);
        var body = System.Text.Json.Nodes.JsonNode.Parse(await usage.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Null(body["feedback"]);
        Assert.Null(body["batches"]);

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

    [Fact]
    public async Task RedisGoingAway_StoredResponsesAnswer503_ANewResponseStillGoesOut_AndTheyAreBackWhenItReturns()
    {
        var token = TestContext.Current.CancellationToken;
        await using var gateway = await ReplicaAsync("fail-open");
        using var client = gateway.Client();
        var stored = await Json.ReadObjectAsync(await client.PostAsync("/v1/responses", Json.Body("""{"model":"echo-model","input":"My name is Ada."}"""), token));
        var id = stored["id"]!.GetValue<string>();

        await _redis.StopAsync();
        var continued = await client.PostAsync("/v1/responses", Json.Body($$"""{"model":"echo-model","input":"What is my name?","previous_response_id":"{{id}}"}"""), token);
        var fetched = await client.GetAsync($"/v1/responses/{id}", token);
        var fresh = await client.PostAsync("/v1/responses", Json.Body("""{"model":"echo-model","input":"Say hello"}"""), token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, continued.StatusCode);
        Assert.Equal("response_store_unavailable", (await Json.ReadObjectAsync(continued))["error"]!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, fetched.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);

        await _redis.StartAsync();
        var after = HttpStatusCode.ServiceUnavailable;
        for (var i = 0; i < 100 && after != HttpStatusCode.OK; i++)
        {
            await Task.Delay(200, token);
            after = (await client.GetAsync($"/v1/responses/{id}", token)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, after);
    }
}
