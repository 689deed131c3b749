using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using GreenGateway.Tests.Support;

namespace GreenGateway.Pipeline.Tests;

/// <summary>
/// The request path a hostile or careless client meets: every spelling of an accounted endpoint is accounted, every
/// invalid body is a 400 naming its field, a lying or broken upstream is never believed, and no reservation is left
/// behind (the host checks the ledger after every test).
/// </summary>
public sealed class RequestPathTests
{
    private const string Policies = """
        tenants:
          alpha:
            keys: ["{alpha}"]
          limited:
            keys: ["{limited}"]
            models: ["echo-model"]
        """;

    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/V1/chat/completions")]
    [InlineData("/v1/Chat/Completions")]
    [InlineData("/v1/chat/completions/")]
    [InlineData("/v1//chat//completions")]
    [InlineData("/v1/chat/./completions")]
    [InlineData("/v1/chat/x/../completions")]
    [InlineData("/v1/chat%2Fcompletions")]
    [InlineData("/v1/chat%2fcompletions%2F")]
    [InlineData("/V1/CHAT/COMPLETIONS/")]
    public async Task EverySpellingOfChatCompletions_IsAccountedAndCharged(string path)
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies);
        using var client = gateway.Client();

        var response = await client.PostAsync(path, Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("upstream", response.Headers.GetValues("X-GG-Tier").Single());
        var charged = double.Parse(response.Headers.GetValues("X-GG-Energy-J").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(charged > 0);
        Assert.Equal(charged, await Json.ConsumedJoulesAsync(client), 9);
        Assert.Equal("/v1/chat/completions", Assert.Single(upstream.Requests).Path);
    }

    [Theory]
    [InlineData("/V1/completions")]
    [InlineData("/v1/completions/")]
    [InlineData("/v1/Completions")]
    public async Task EverySpellingOfCompletions_IsAccounted(string path)
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies);
        using var client = gateway.Client();

        var response = await client.PostAsync(path, Json.Body("""{"model":"echo-model","prompt":"Say hello"}"""), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.Contains("X-GG-Energy-J"));
        Assert.Equal("/v1/completions", Assert.Single(upstream.Requests).Path);
    }

    [Theory]
    [InlineData("/V1/chat/completions")]
    [InlineData("/v1/Chat/Completions/")]
    public async Task OddSpelling_StillAppliesTheTenantsModelAllowList(string path)
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies);
        using var client = gateway.Client("key-limited");

        var response = await client.PostAsync(path, Json.Body(Json.Chat("no-usage")), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(upstream.Requests);
    }

    [Theory]
    [InlineData("/v1/responses/resp_1/cancel")]
    [InlineData("/v1/chat/completions/extra")]
    [InlineData("/v1/chat/completions;x=1")]
    [InlineData("/v1/images/generations")]
    [InlineData("/v1/audio/speech")]
    public async Task BodyToAnUnaccountedPath_IsRefusedWith404_AndNeverForwarded(string path)
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies);
        using var client = gateway.Client();

        var response = await client.PostAsync(path, Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("unknown_endpoint", (await Json.ReadObjectAsync(response))["error"]!["code"]!.GetValue<string>());
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task GetOnAnAccountedPath_Is405()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies);
        using var client = gateway.Client();

        var response = await client.GetAsync("/V1/chat/completions", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Empty(upstream.Requests);
    }

    public static TheoryData<string, string> InvalidBodies => new()
    {
        { """{"model":"echo-model","messages":[{"role":"user","content":[1]}]}""", "messages[0].content[0]" },
        { """{"model":"echo-model","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"text","text":5}]}]}""", "messages[1].content[0].text" },
        { """{"model":"echo-model","messages":[{"role":"wizard","content":"hi"}]}""", "messages[0].role" },
        { """{"model":"echo-model","messages":[{"role":"user","content":"\ud800"}]}""", "" },
        { """{"model":"echo-model","messages":[{"role":"user","content":"hi"}],"n":1000}""", "n" },
        { """{"model":"echo-model","messages":[{"role":"user","content":"hi"}],"max_tokens":4294967296}""", "max_tokens" },
        { """{"model":"echo-model","messages":[{"role":"user","content":"hi"}],"temperature":1e400}""", "temperature" },
        { """{"model":"echo-model","messages":[{"role":"user","content":"hi"}],"stop":[1]}""", "stop[0]" },
        { """{"model":"echo-model","messages":[{"role":"user","content":"hi"}],"tools":[1]}""", "tools[0]" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task InvalidBody_Is400NamingTheField_AndChargesNothing(string body, string param)
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies);
        using var client = gateway.Client();

        var response = await client.PostAsync("/v1/chat/completions", Json.Body(body), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await Json.ReadObjectAsync(response))["error"]!;
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Equal(param, error["param"]?.GetValue<string>() ?? "");
        Assert.Empty(upstream.Requests);
        Assert.Equal(0, await Json.ConsumedJoulesAsync(client));
    }

    [Fact]
    public async Task InvalidUtf8_Is400()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies);
        using var client = gateway.Client();
        byte[] body = [.. """{"model":"echo-model","messages":[{"role":"user","content":"h"""u8, 0xC3, 0x28, .. "\"}]}"u8];

        var content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } };
        var response = await client.PostAsync("/v1/chat/completions", content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_encoding", (await Json.ReadObjectAsync(response))["error"]!["code"]!.GetValue<string>());
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task SeveralChoices_AreServedByTheLargeModel_AndReservedForEach()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies);
        using var client = gateway.Client();

        var response = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model", extra: ""","n":3,"max_tokens":8""")), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, Assert.Single(upstream.Requests).Body!["n"]!.GetValue<int>());
    }

    [Fact]
    public async Task HugeMaxTokensTimesChoices_DoesNotWrap_ItReservesAHugeAmountAndReleasesIt()
    {
        const string budget = """
            tenants:
              alpha:
                keys: ["{alpha}"]
                budgets:
                  day: { energy_wh: 1 }
            """;
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        upstream.SlowDelay = TimeSpan.FromSeconds(1);
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], budget);
        using var client = gateway.Client();

        // 2 x 1073741825 wraps to a negative int in 32 bits; here it reserves about 1.5e9 J.
        var huge = client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("slow", extra: ""","n":2,"max_tokens":1073741825""")), TestContext.Current.CancellationToken);
        await WaitForReservationAsync(client);
        var usage = await Json.ReadObjectAsync(await client.GetAsync("/v1/usage", TestContext.Current.CancellationToken));
        var reserved = usage["windows"]!.AsArray().First(w => w!["window"]!.GetValue<string>() == "day")!["reserved_energy_joules"]!.GetValue<double>();
        var meanwhile = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);

        Assert.True(reserved > 1e9, $"reserved {reserved} J");
        Assert.Equal(HttpStatusCode.TooManyRequests, meanwhile.StatusCode);
        Assert.Equal("budget_reserved", (await Json.ReadObjectAsync(meanwhile))["error"]!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await huge).StatusCode);

        // Settled at what it used: the tenant can spend its budget again.
        var after = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task BudgetHeldByRequestsInFlight_Is429WithARetryOfSeconds_NotTheWindowsEnd()
    {
        const string budget = """
            tenants:
              alpha:
                keys: ["{alpha}"]
                budgets:
                  day: { energy_wh: 0.001 }
            """;
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        upstream.SlowDelay = TimeSpan.FromSeconds(1);
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], budget);
        using var client = gateway.Client();

        // One request reserves about 3.2 J of the 3.6 J budget while it runs.
        var first = client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("slow")), TestContext.Current.CancellationToken);
        await WaitForReservationAsync(client);
        var refused = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model", extra: ""","max_tokens":16""")), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), refused.Headers.RetryAfter!.Delta);
        var message = (await Json.ReadObjectAsync(refused))["error"]!["message"]!.GetValue<string>();
        Assert.Contains("in flight", message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
    }

    [Fact]
    public async Task ConcurrentRequestsToASlowUpstream_NeverOverspend_ByMoreThanTheLargestReservationInFlight()
    {
        const string budget = """
            tenants:
              alpha:
                keys: ["{alpha}"]
                budgets:
                  day: { energy_wh: 0.005 }
            """;
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        upstream.SlowDelay = TimeSpan.FromMilliseconds(300);
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], budget);
        using var client = gateway.Client();

        // Every request is in flight at once, each holding its reservation for 300 ms.
        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ =>
            client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("slow", extra: ""","max_tokens":8""")), TestContext.Current.CancellationToken)));

        var admitted = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.TooManyRequests }));
        Assert.InRange(admitted, 1, 29);

        // The reservation of one request: the llm-8b profile (0.023 J a prompt token, 0.45 J a completion token) at a PUE
        // of 1.56 for its estimated prompt and its 8 completion tokens.
        var prompt = Core.Requests.OpenAiRequest.TokensPerMessage + Core.Energy.TokenEstimator.Estimate("Say hello to the gateway");
        var largest = ((prompt * 0.023) + (8 * 0.45)) * 1.56;
        var charged = await Json.ConsumedJoulesAsync(client);
        Assert.True(charged <= 18 + largest, $"charged {charged} J against 18 J + {largest} J for {admitted} requests");
    }

    [Fact]
    public async Task SpentBudget_RetryAfter_IsRoundedUp_NotDown()
    {
        const string budget = """
            tenants:
              alpha:
                keys: ["{alpha}"]
                budgets:
                  minute: { energy_wh: 0.0001 }
            """;

        // 0.3 s past a whole second: the window ends 44.7 s later, which a client must read as 45 (44 would be refused again).
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 21, 10, 0, 15, TimeSpan.Zero).AddMilliseconds(300));
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], budget, time: clock);
        using var client = gateway.Client();

        var first = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
        var second = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(45), second.Headers.RetryAfter!.Delta);
        Assert.Equal("budget_exhausted", (await Json.ReadObjectAsync(second))["error"]!["code"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("lying-energy")]
    [InlineData("lying-usage")]
    [InlineData("negative-usage")]
    public async Task LyingUpstream_IsChargedTheGatewaysOwnFigure(string model)
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies);
        using var client = gateway.Client();
        var honest = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model", extra: ""","max_tokens":16""")), TestContext.Current.CancellationToken);
        var honestJoules = await Json.ConsumedJoulesAsync(client);

        var response = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat(model, extra: ""","max_tokens":16""")), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var usage = (await Json.ReadObjectAsync(response))["usage"]!;
        var joules = usage["energy_joules"]!.GetValue<double>();
        Assert.Equal("modelled", usage["energy_method"]!.GetValue<string>());
        Assert.InRange(joules, 0.1, 2 * honestJoules);
        Assert.Equal(honestJoules + joules, await Json.ConsumedJoulesAsync(client), 6);
        Assert.Equal(HttpStatusCode.OK, honest.StatusCode);
    }

    [Fact]
    public async Task HonestPromptTokens_ThatCountLargeToolSchemas_AreKept()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies);
        using var client = gateway.Client();
        var properties = new JsonObject(Enumerable.Range(0, 300).Select(i =>
            KeyValuePair.Create($"field_{i}", (JsonNode?)new JsonObject { ["type"] = "string", ["description"] = $"The customer's field number {i}." })));
        var tools = new JsonArray(new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = "file_claim", ["parameters"] = new JsonObject { ["type"] = "object", ["properties"] = properties } },
        });
        var reported = FakeOpenAiUpstream.PromptTokens + (Encoding.UTF8.GetByteCount(tools.ToJsonString()) / 2);

        var response = await client.PostAsync("/v1/chat/completions",
            Json.Body(Json.Chat("counts-definitions", extra: $$""","max_tokens":16,"tools":{{tools.ToJsonString()}}""")), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(reported > 5_000, $"the schema is large: {reported} tokens");
        Assert.Equal(reported, (await Json.ReadObjectAsync(response))["usage"]!["prompt_tokens"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("not-json", false)]
    [InlineData("no-choices", false)]
    [InlineData("not-json", true)]
    public async Task Upstream200ThatIsNotAnAnswer_Is502_AndNotCharged(string model, bool chunked)
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies);
        using var client = gateway.Client();
        HttpContent body = Json.Body(Json.Chat(model));
        if (chunked)
        {
            body = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(Json.Chat(model)))) { Headers = { ContentType = new("application/json") } };
        }

        var response = await client.PostAsync("/v1/chat/completions", body, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_failed", (await Json.ReadObjectAsync(response))["error"]!["code"]!.GetValue<string>());
        Assert.Equal(0, await Json.ConsumedJoulesAsync(client));
    }

    [Fact]
    public async Task UpstreamErrorThatIsNotJson_IsWrappedInOpenAisShape_As502()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies);
        using var client = gateway.Client();

        var response = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("html-error")), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = (await Json.ReadObjectAsync(response))["error"]!;
        Assert.Contains("500", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await Json.ConsumedJoulesAsync(client));
    }

    private static async Task WaitForReservationAsync(HttpClient client)
    {
        for (var i = 0; i < 200; i++)
        {
            var usage = await Json.ReadObjectAsync(await client.GetAsync("/v1/usage"));
            if (usage["windows"]!.AsArray().Any(w => w!["reserved_energy_joules"]!.GetValue<double>() > 0))
            {
                return;
            }

            await Task.Delay(10);
        }

        Assert.Fail("the first request never reserved");
    }
}
