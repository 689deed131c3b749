using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using GreenGateway.Tests.Support;

namespace GreenGateway.Proxy.Tests;

/// <summary>Retries before the first byte, timeouts, and disconnects on either side.</summary>
public sealed class ResilienceTests
{
    [Fact]
    public async Task Upstream503_IsRetriedOnAnotherDestination()
    {
        await using var first = await FakeOpenAiUpstream.StartAsync("first");
        await using var second = await FakeOpenAiUpstream.StartAsync("second");
        await using var gateway = await GatewayHost.StartAsync([first.BaseUrl, second.BaseUrl],
            settings: new Dictionary<string, string?> { ["Upstreams:main:LoadBalancing"] = "FirstAlphabetical" });
        using var client = gateway.Client();
        first.FailNext(1, 503);

        var response = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(first.Requests, r => r.Path == "/v1/chat/completions");
        Assert.Single(second.Requests, r => r.Path == "/v1/chat/completions");
        Assert.True(await Json.ConsumedJoulesAsync(client) > 0);
    }

    [Fact]
    public async Task RefusedConnection_IsRetriedOnAnotherDestination()
    {
        await using var live = await FakeOpenAiUpstream.StartAsync("live");
        var dead = $"http://127.0.0.1:{Loopback.FreePort()}/v1";
        await using var gateway = await GatewayHost.StartAsync([dead, live.BaseUrl],
            settings: new Dictionary<string, string?> { ["Upstreams:main:LoadBalancing"] = "FirstAlphabetical" });
        using var client = gateway.Client();

        var response = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(FakeOpenAiUpstream.Answer, (await Json.ReadObjectAsync(response))["choices"]![0]!["message"]!["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task Persistent503_IsRelayedAfterTheLastAttempt_AndNotCharged()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl],
            settings: new Dictionary<string, string?> { ["Upstreams:main:MaxAttempts"] = "3" });
        using var client = gateway.Client();
        upstream.FailNext(10, 503);

        var response = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(3, upstream.Requests.Count(r => r.Path == "/v1/chat/completions"));
        Assert.Equal(0, await Json.ConsumedJoulesAsync(client));
    }

    [Fact]
    public async Task SlowUpstream_TimesOutWith504_InsteadOfHanging()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl],
            settings: new Dictionary<string, string?> { ["Upstreams:main:ResponseTimeoutSeconds"] = "1" });
        using var client = gateway.Client();
        upstream.SlowDelay = TimeSpan.FromSeconds(30);
        var clock = Stopwatch.StartNew();

        var response = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("slow")), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream_timeout", (await Json.ReadObjectAsync(response))["error"]!["code"]!.GetValue<string>());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"took {clock.Elapsed}");
        Assert.Equal(0, await Json.ConsumedJoulesAsync(client));
    }

    [Fact]
    public async Task ClientDisconnectMidStream_CancelsTheUpstreamRequest()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl]);
        using var client = gateway.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json.Body(Json.Chat("stream-slow", stream: true)) };

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        var stream = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        var buffer = new byte[256];
        Assert.True(await stream.ReadAsync(buffer, TestContext.Current.CancellationToken) > 0); // the first chunk arrives before the stream ends
        response.Dispose();

        var aborted = await Task.WhenAny(upstream.StreamAborted.Task, Task.Delay(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
        Assert.Same(upstream.StreamAborted.Task, aborted);

        // What was generated before the client left is charged; nothing more.
        await WaitUntilAsync(async () => await Json.ConsumedJoulesAsync(client) > 0);
    }

    [Fact]
    public async Task UpstreamBreakingMidStream_EndsWithAnErrorEvent_AndIsChargedWhatWasDelivered()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl]);
        using var client = gateway.Client();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json.Body(Json.Chat("stream-break", stream: true)) };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        // The two chunks that came, then an OpenAI-shaped error and no [DONE]: a truncated answer never looks whole.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, events.Length);
        var error = JsonNode.Parse(events[^1]["data: ".Length..])!["error"]!;
        Assert.Equal("upstream_failed", error["code"]!.GetValue<string>());
        Assert.DoesNotContain("[DONE]", text, StringComparison.Ordinal);

        // Charged the two chunks delivered (about one token each), not nothing and not a whole answer.
        var charged = await Json.ConsumedJoulesAsync(client);
        // The llm-8b profile of appsettings.json (0.023 J a prompt token, 0.45 J a completion token) at a PUE of 1.56.
        var prompt = Core.Requests.OpenAiRequest.TokensPerMessage + Core.Energy.TokenEstimator.Estimate("Say hello to the gateway");
        Assert.Equal(((prompt * 0.023) + (2 * 0.45)) * 1.56, charged, 6);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100 && !await condition(); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(await condition());
    }
}
