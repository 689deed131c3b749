using System.Net;
using GreenGateway.Tests.Support;
using GreenGateway.Upstreams;
using Microsoft.Extensions.DependencyInjection;

namespace GreenGateway.Upstreams.Tests;

/// <summary>
/// The gateway's own calls (speculative verification, embeddings) ride the upstream's YARP cluster: a dead destination
/// is retried elsewhere before any answer (transport failures are also reported to passive health).
/// </summary>
public sealed class ClusterClientTests
{
    [Fact]
    public async Task DeadDestination_IsRetriedOnALiveOne_BeforeAnyAnswer()
    {
        await using var live = await FakeOpenAiUpstream.StartAsync();
        var dead = $"http://127.0.0.1:{Loopback.FreePort()}/v1";
        await using var gateway = await GatewayHost.StartAsync([dead, live.BaseUrl], settings: new Dictionary<string, string?>
        {
            ["Upstreams:main:LoadBalancing"] = "FirstAlphabetical",
            ["Upstreams:main:DiscoverModels"] = "false",
        });
        var client = gateway.Services.GetRequiredService<ClusterClient>();

        var answers = new List<HttpStatusCode?>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await client.SendAsync("main", destination => new HttpRequestMessage(HttpMethod.Post, destination + "/completions")
            {
                Content = Json.Body("""{"model":"echo-model","prompt":"hi","max_tokens":1}"""),
            }, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            answers.Add(response?.StatusCode);
        }

        // FirstAlphabetical picks main-0 (dead) first: each call still got its answer, from main-1.
        Assert.All(answers, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(5, live.Requests.Count(r => r.Path == "/v1/completions"));
    }

    [Fact]
    public async Task NoDestinationAnswers_IsNull_NotAnException()
    {
        var dead = $"http://127.0.0.1:{Loopback.FreePort()}/v1";
        await using var gateway = await GatewayHost.StartAsync([dead], settings: new Dictionary<string, string?> { ["Upstreams:main:DiscoverModels"] = "false" });
        var client = gateway.Services.GetRequiredService<ClusterClient>();

        using var response = await client.SendAsync("main", destination => new HttpRequestMessage(HttpMethod.Get, destination + "/models"),
            TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Null(response);
    }
}
