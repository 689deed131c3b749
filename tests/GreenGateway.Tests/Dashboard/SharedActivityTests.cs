using System.Net;
using System.Text.Json.Nodes;
using GreenGateway.Core.Policies;
using GreenGateway.Redis.Tests.Fixtures;
using GreenGateway.Tests.Support;

namespace GreenGateway.Dashboard.Tests;

/// <summary>With Redis, two replicas show one activity: either's answers in the other's admin API, a verdict given to one counted by both.</summary>
public sealed class SharedActivityTests : IAsyncLifetime
{
    private static readonly string Policies = $$"""
        tenants:
          alpha:
            keys: ["{alpha}"]
        admins:
          ops:
            keys: ["{{PolicySet.HashKey("key-admin")}}"]
        """;

    private readonly RedisServerFixture _redis = new();

    public ValueTask InitializeAsync() => _redis.InitializeAsync();

    public ValueTask DisposeAsync() => _redis.DisposeAsync();

    [Fact]
    public async Task TwoReplicas_ShareSeriesAndVerdicts_ThroughRedis()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        var settings = new Dictionary<string, string?> { ["Redis:Url"] = _redis.ConnectionString };
        await using var first = await GatewayHost.StartAsync([upstream.BaseUrl], Policies, settings);
        await using var second = await GatewayHost.StartAsync([upstream.BaseUrl], Policies, settings);
        using var a = first.Client("key-alpha");
        using var b = second.Client("key-alpha");

        var fromFirst = await a.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), ct);
        var fromSecond = await b.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), ct);
        var joules = Energy(fromFirst) + Energy(fromSecond);
        var id = fromFirst.Headers.GetValues("X-GG-Request-Id").Single();

        // The first replica's answer is judged through the second.
        Assert.Equal(HttpStatusCode.OK, (await b.PostAsync("/v1/feedback", Json.Body($$"""{"response_id":"{{id}}","useful":false}"""), ct)).StatusCode);

        // The recorder's writes are not awaited by the requests: the shared figures settle within moments.
        foreach (var replica in new[] { first, second })
        {
            using var admin = replica.Client("key-admin");
            JsonNode alpha = null!;
            for (var i = 0; i < 50; i++)
            {
                var overview = await Json.ReadObjectAsync(await admin.GetAsync("/admin/v1/overview?window=hour", ct));
                alpha = overview["tenants"]!.AsArray().Single(t => t!["tenant"]!.GetValue<string>() == "alpha")!;
                if (alpha["requests"]!.GetValue<double>() == 2 && alpha["not_useful"]!.GetValue<double>() == 1 && alpha["recent"]!.AsArray().Count == 2)
                {
                    break;
                }

                await Task.Delay(100, ct);
            }

            Assert.Equal(2, alpha["requests"]!.GetValue<double>());
            Assert.Equal(1, alpha["not_useful"]!.GetValue<double>());
            Assert.Equal(joules, alpha["energy_joules"]!.GetValue<double>(), 6);
            Assert.Equal(joules, alpha["joules_per_useful_answer"]!.GetValue<double>(), 6);
            Assert.Equal(2, alpha["recent"]!.AsArray().Count);
        }

        var usage = await Json.ReadObjectAsync(await a.GetAsync("/v1/usage", ct));
        var hour = usage["feedback"]!.AsArray().Single(w => w!["window"]!.GetValue<string>() == "last_hour")!;
        Assert.Equal(1, hour["not_useful"]!.GetValue<double>());
    }

    [Fact]
    public async Task RedisGoingAway_LeavesUsageWhole_AndTheAdminApiAnswers503()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies, new Dictionary<string, string?>
        {
            ["Redis:Url"] = _redis.ConnectionString,
            ["Redis:FailMode"] = "fail-open",
        });
        using var alpha = gateway.Client("key-alpha");
        using var admin = gateway.Client("key-admin");
        Assert.Equal(HttpStatusCode.OK, (await alpha.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), ct)).StatusCode);

        await _redis.StopAsync();
        var usage = await alpha.GetAsync("/v1/usage", ct);
        Assert.Equal(HttpStatusCode.OK, usage.StatusCode);
        var body = await Json.ReadObjectAsync(usage);
        Assert.NotEmpty(body["windows"]!.AsArray());
        Assert.Null(body["feedback"]);

        var overview = await admin.GetAsync("/admin/v1/overview", ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, overview.StatusCode);
        Assert.Equal("activity_unavailable", (await Json.ReadObjectAsync(overview))["error"]!["code"]!.GetValue<string>());
        await _redis.StartAsync();
    }

    private static double Energy(HttpResponseMessage response) =>
        double.Parse(response.Headers.GetValues("X-GG-Energy-J").Single(), System.Globalization.CultureInfo.InvariantCulture);
}
