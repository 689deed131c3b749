using System.Net;
using GreenGateway.Redis.Tests.Fixtures;
using GreenGateway.Tests.Support;

namespace GreenGateway.Budgets.Tests;

/// <summary>GG_REDIS_URL / Redis.Url: replicas share one budget, one cache and the stored responses, on redis-server and on garnet-server alike.</summary>
public abstract class SharedStateSuite<TServer> : IAsyncLifetime
    where TServer : IRespServerFixture, IAsyncLifetime, new()
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
          beta:
            keys: ["{beta}"]
        """;

    private readonly TServer _redis = new();
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

    private Task<GatewayHost> ReplicaAsync(bool cache = false) => GatewayHost.StartAsync([_upstream.BaseUrl], Policies, new Dictionary<string, string?>
    {
        ["Redis:Url"] = _redis.ConnectionString,
        ["Cache:Enabled"] = cache ? "true" : "false",
    });

    [Fact]
    public async Task TwoReplicas_FitOneCounterfactual_FromEitherOnesObservations()
    {
        await using var first = await ReplicaAsync();
        await using var second = await ReplicaAsync();
        using var a = first.Client("key-alpha");
        using var b = second.Client("key-alpha");

        // The upstream measures and reports 10 J an answer: only the first replica sees these answers.
        for (var i = 0; i < 10; i++)
        {
            var answer = await a.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("reported-energy")), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        // The second replica fits the same model from the shared observations (refreshed every 2 s).
        System.Text.Json.Nodes.JsonNode? baseline = null;
        for (var i = 0; i < 60 && baseline is null; i++)
        {
            var usage = await Json.ReadObjectAsync(await b.GetAsync("/v1/usage", TestContext.Current.CancellationToken));
            baseline = usage["baselines"]!.AsArray().FirstOrDefault(x => x!["model"]!.GetValue<string>() == "reported-energy"
                && x["baseline_method"]!.GetValue<string>() == "observed");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.NotNull(baseline);
        var predicted = baseline!["it_joules_per_request"]!.GetValue<double>()
            + (FakeOpenAiUpstream.PromptTokens * baseline["it_joules_per_prompt_token"]!.GetValue<double>())
            + (4 * baseline["it_joules_per_completion_token"]!.GetValue<double>());
        Assert.Equal(10, predicted, 6);
    }

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
    public async Task AnAnswerStoredByOneReplica_IsServedFromTheCacheByAnother()
    {
        await using var first = await ReplicaAsync(cache: true);
        await using var second = await ReplicaAsync(cache: true);
        using var a = first.Client("key-alpha");
        using var b = second.Client("key-alpha");
        const string question = "{\"model\":\"echo-model\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"What does HashSet.Add return?\"}]}";

        var stored = await a.PostAsync("/v1/chat/completions", Json.Body(question), TestContext.Current.CancellationToken);
        var tier = "upstream";
        for (var i = 0; i < 50 && tier != "cache"; i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            var response = await b.PostAsync("/v1/chat/completions", Json.Body(question), TestContext.Current.CancellationToken);
            tier = response.Headers.GetValues("X-GG-Tier").Single();
        }

        Assert.Equal("upstream", stored.Headers.GetValues("X-GG-Tier").Single());
        Assert.Equal("cache", tier);
    }

    [Fact]
    public async Task AResponseStoredByOneReplica_IsContinuedAndFetchedByAnother_ForItsTenantOnly()
    {
        await using var first = await ReplicaAsync();
        await using var second = await ReplicaAsync();
        var a = Sdk(first, "key-alpha");
        var b = Sdk(second, "key-alpha");

        var stored = (await a.CreateResponseAsync("echo-model", "My name is Ada.", null, TestContext.Current.CancellationToken)).Value;
        var continued = (await b.CreateResponseAsync("echo-model", "What is my name?", stored.Id, TestContext.Current.CancellationToken)).Value;
        var fetched = (await b.GetResponseAsync(stored.Id, TestContext.Current.CancellationToken)).Value;
        var stranger = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(
            () => Sdk(second, "key-beta").GetResponseAsync(stored.Id, TestContext.Current.CancellationToken));

        Assert.Equal(stored.Id, continued.PreviousResponseId);
        var messages = _upstream.Requests.Last().Body!["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "user"], messages.Select(m => m!["role"]!.GetValue<string>()));
        Assert.Contains("My name is Ada.", messages[0]!["content"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(FakeOpenAiUpstream.Answer, fetched.GetOutputText());
        Assert.Equal(404, stranger.Status);

        // Deleted on the second replica, gone from the first.
        Assert.True((await b.DeleteResponseAsync(stored.Id, TestContext.Current.CancellationToken)).Value.Deleted);
        var gone = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() => a.GetResponseAsync(stored.Id, TestContext.Current.CancellationToken));
        Assert.Equal(404, gone.Status);
    }

    private static OpenAI.Responses.ResponsesClient Sdk(GatewayHost gateway, string key) =>
        new(new System.ClientModel.ApiKeyCredential(key), new OpenAI.Responses.ResponsesClientOptions
        {
            Endpoint = new Uri(gateway.BaseAddress, "/v1"),
            RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 0),
        });
}

public sealed class SharedStateOnRedisTests : SharedStateSuite<RedisServerFixture>;

public sealed class SharedStateOnGarnetTests : SharedStateSuite<GarnetServerFixture>;
