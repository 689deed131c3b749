using System.Net;
using GreenGateway.Tests.Support;

namespace GreenGateway.Endpoints.Tests;

/// <summary>Active health checks take dead destinations out, and readiness reflects it.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task DeadDestination_IsTakenOut_AndReadinessFailsOnlyWhenNoneIsLeft()
    {
        await using var live = await FakeOpenAiUpstream.StartAsync();
        var dead = $"http://127.0.0.1:{Loopback.FreePort()}/v1";
        await using var gateway = await GatewayHost.StartAsync([live.BaseUrl, dead], settings: new Dictionary<string, string?>
        {
            ["Upstreams:main:HealthCheckIntervalSeconds"] = "1",
            ["Upstreams:only-dead:Destinations:0"] = dead,
            ["Upstreams:only-dead:HealthCheckIntervalSeconds"] = "1",
            ["Upstreams:only-dead:DiscoverModels"] = "false",
        });
        using var client = gateway.Client(key: null);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz", TestContext.Current.CancellationToken)).StatusCode);
        var ready = await WaitForAsync(client, r => r["upstreams"]!["main"]!["healthy"]!.GetValue<int>() == 1
            && r["upstreams"]!["only-dead"]!["healthy"]!.GetValue<int>() == 0);

        Assert.Equal("not_ready", ready["status"]!.GetValue<string>());
        Assert.Equal(2, ready["upstreams"]!["main"]!["destinations"]!.GetValue<int>());
        var response = await client.GetAsync("/readyz", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);

        // Requests keep being served by the healthy destination.
        using var tenant = gateway.Client();
        for (var i = 0; i < 5; i++)
        {
            var answer = await tenant.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }
    }

    private static async Task<System.Text.Json.Nodes.JsonObject> WaitForAsync(HttpClient client, Func<System.Text.Json.Nodes.JsonObject, bool> condition)
    {
        System.Text.Json.Nodes.JsonObject last = null!;
        for (var i = 0; i < 150; i++)
        {
            last = await Json.ReadObjectAsync(await client.GetAsync("/readyz"));
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"readiness never reached the expected state: {last}");
        return last;
    }
}
