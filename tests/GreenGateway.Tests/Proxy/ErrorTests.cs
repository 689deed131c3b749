using System.Net;
using System.Text.Json.Nodes;
using GreenGateway.Tests.Support;

namespace GreenGateway.Proxy.Tests;

/// <summary>Bad input and dead upstreams get clear errors in OpenAI's shape, and none is charged.</summary>
public sealed class ErrorTests : IAsyncLifetime
{
    private FakeOpenAiUpstream _upstream = null!;
    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeOpenAiUpstream.StartAsync();
        _gateway = await GatewayHost.StartAsync([_upstream.BaseUrl], settings: new Dictionary<string, string?>
        {
            ["Gateway:MaxRequestBodyBytes"] = "4096",
            ["Models:dead:Upstream"] = "dead",
            ["Upstreams:dead:Destinations:0"] = $"http://127.0.0.1:{Loopback.FreePort()}/v1",
            ["Upstreams:dead:DiscoverModels"] = "false",
            ["Upstreams:dead:MaxAttempts"] = "2",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    public static TheoryData<string, int, string?> BadRequests => new()
    {
        { "{\"model\": \"echo-model\", \"messages\": [", 400, null },
        { "[1, 2, 3]", 400, null },
        { "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", 400, "model" },
        { "{\"model\": 42, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", 400, "model" },
        { "{\"model\": \"echo-model\", \"messages\": \"hi\"}", 400, "messages" },
        { "{\"model\": \"echo-model\", \"stream\": \"yes\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", 400, "stream" },
        { "{\"model\": \"echo-model\", \"max_tokens\": -5, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", 400, "max_tokens" },
        { "{\"model\": \"no-such-model\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", 404, "model" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadRequest_GetsOpenAiError_AndIsNotCharged(string body, int status, string? param)
    {
        using var client = _gateway.Client();
        var response = await client.PostAsync("/v1/chat/completions", Json.Body(body), TestContext.Current.CancellationToken);

        Assert.Equal(status, (int)response.StatusCode);
        var error = (await Json.ReadObjectAsync(response))["error"]!;
        Assert.False(string.IsNullOrEmpty(error["message"]!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(error["type"]!.GetValue<string>()));
        Assert.Equal(param, error["param"]?.GetValue<string>());
        Assert.Equal(0, await Json.ConsumedJoulesAsync(client));
        Assert.DoesNotContain(_upstream.Requests, r => r.Path.EndsWith("completions", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OversizedBody_Gets413()
    {
        using var client = _gateway.Client();
        var huge = Json.Chat("echo-model").Replace("Say hello", new string('x', 10_000), StringComparison.Ordinal);

        var response = await client.PostAsync("/v1/chat/completions", Json.Body(huge), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", (await Json.ReadObjectAsync(response))["error"]!["code"]!.GetValue<string>());
        Assert.Equal(0, await Json.ConsumedJoulesAsync(client));
    }

    [Fact]
    public async Task OversizedChunkedBody_Gets413()
    {
        using var client = _gateway.Client();
        var huge = Json.Chat("echo-model").Replace("Say hello", new string('x', 10_000), StringComparison.Ordinal);
        var content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(huge)));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task ChunkedBodyWithinTheLimit_IsForwarded()
    {
        using var client = _gateway.Client();
        var content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Json.Chat("echo-model", stream: true))));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var events = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.EndsWith("data: [DONE]\n\n", events, StringComparison.Ordinal);
        Assert.True(_upstream.Requests.Last().Body!["stream_options"]!["include_usage"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData(null, "missing_api_key")]
    [InlineData("wrong-key", "invalid_api_key")]
    public async Task MissingOrUnknownKey_Gets401(string? key, string code)
    {
        using var client = _gateway.Client(key);

        var response = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
        var usage = await client.GetAsync("/v1/usage", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(code, (await Json.ReadObjectAsync(response))["error"]!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, usage.StatusCode);
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task ModelNotAllowedForTenant_Gets403()
    {
        using var client = _gateway.Client("key-limited");

        var refused = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("no-usage")), TestContext.Current.CancellationToken);
        var allowed = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
        var models = await Json.ReadObjectAsync(await client.GetAsync("/v1/models", TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(["echo-model"], models["data"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task UnreachableUpstream_Gets502_AndIsNotCharged()
    {
        using var client = _gateway.Client();

        var response = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("dead")), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = (await Json.ReadObjectAsync(response))["error"]!;
        Assert.Equal("upstream_unreachable", error["code"]!.GetValue<string>());
        Assert.Contains("dead", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await Json.ConsumedJoulesAsync(client));
    }

    [Fact]
    public async Task UpstreamClientError_IsRelayedAsSent_AndNotCharged()
    {
        using var client = _gateway.Client();
        _upstream.FailNext(1, status: 400);

        var response = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("overloaded", (await Json.ReadObjectAsync(response))["error"]!["message"]!.GetValue<string>());
        Assert.Equal(0, await Json.ConsumedJoulesAsync(client));
    }

    [Fact]
    public async Task OtherV1Paths_ArePassedThroughUnchanged()
    {
        using var client = _gateway.Client();

        var response = await client.GetAsync("/v1/vector_stores", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("upstream", (await Json.ReadObjectAsync(response))["served_by"]!.GetValue<string>());
        var recorded = Assert.Single(_upstream.Requests);
        Assert.Equal("/v1/vector_stores", recorded.Path);
        Assert.Equal("", recorded.Authorization);
    }

    [Fact]
    public async Task Embeddings_AreForwardedAndChargedForTheirPrompt()
    {
        using var client = _gateway.Client();

        var response = await client.PostAsync("/v1/embeddings", Json.Body("{\"model\":\"echo-model\",\"input\":\"a sentence to embed\"}"), TestContext.Current.CancellationToken);
        var body = await Json.ReadObjectAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, body["data"]![0]!["embedding"]!.AsArray().Count);
        Assert.Equal(FakeOpenAiUpstream.PromptTokens * 0.023 * 1.56, body["usage"]!["energy_joules"]!.GetValue<double>(), 9);
    }
}
