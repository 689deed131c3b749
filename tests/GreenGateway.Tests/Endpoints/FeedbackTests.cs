using System.Net;
using System.Text.Json.Nodes;
using GreenGateway.Tests.Support;

namespace GreenGateway.Endpoints.Tests;

/// <summary>POST /v1/feedback: a tenant's verdict on its own answers, by request id or the gateway's answer id; counted in /v1/usage.</summary>
public sealed class FeedbackTests
{
    private const string Policies = """
        tenants:
          alpha:
            keys: ["{alpha}"]
          beta:
            keys: ["{beta}"]
        """;

    [Fact]
    public async Task Verdicts_CountInUsage_AndALaterVerdictReplacesTheFirst()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies);
        using var alpha = gateway.Client("key-alpha");
        var ct = TestContext.Current.CancellationToken;
        var first = await alpha.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), ct);
        var second = await alpha.PostAsync("/v1/chat/completions", Json.Body("""{"model":"echo-model","messages":[{"role":"user","content":"What is 6*7?"}]}"""), ct);
        var firstId = first.Headers.GetValues("X-GG-Request-Id").Single();
        var ruleAnswerId = (await Json.ReadObjectAsync(second))["id"]!.GetValue<string>();
        Assert.StartsWith("chatcmpl-gg-", ruleAnswerId, StringComparison.Ordinal);

        var verdict = await Json.ReadObjectAsync(await alpha.PostAsync("/v1/feedback", Json.Body($$"""{"response_id":"{{firstId}}","useful":false,"score":0.1}"""), ct));
        Assert.Equal("not_useful", verdict["verdict"]!.GetValue<string>());
        Assert.Null(verdict["replaced"]);
        Assert.Equal(HttpStatusCode.OK, (await alpha.PostAsync("/v1/feedback", Json.Body($$"""{"response_id":"{{ruleAnswerId}}","useful":true}"""), ct)).StatusCode);

        var hour = await LastHourAsync(alpha);
        Assert.Equal(2, hour["answers"]!.GetValue<double>());
        Assert.Equal(1, hour["not_useful"]!.GetValue<double>());
        Assert.Equal(1, hour["useful_answers"]!.GetValue<double>());
        Assert.Equal(hour["energy_joules"]!.GetValue<double>(), hour["joules_per_useful_answer"]!.GetValue<double>(), 12);

        var changed = await Json.ReadObjectAsync(await alpha.PostAsync("/v1/feedback", Json.Body($$"""{"response_id":"{{firstId}}","useful":true}"""), ct));
        Assert.Equal("not_useful", changed["replaced"]!.GetValue<string>());
        hour = await LastHourAsync(alpha);
        Assert.Equal(0, hour["not_useful"]!.GetValue<double>());
        Assert.Equal(2, hour["useful_answers"]!.GetValue<double>());
        Assert.Equal(2, hour["marked_useful"]!.GetValue<double>());
    }

    [Fact]
    public async Task AnotherTenantsAnswer_OrAnUnknownId_Is404_AndBadBodiesAre400NamingTheField()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies);
        using var alpha = gateway.Client("key-alpha");
        using var beta = gateway.Client("key-beta");
        var ct = TestContext.Current.CancellationToken;
        var answer = await alpha.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), ct);
        var id = answer.Headers.GetValues("X-GG-Request-Id").Single();

        var foreign = await beta.PostAsync("/v1/feedback", Json.Body($$"""{"response_id":"{{id}}","useful":false}"""), ct);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal("response_not_found", (await Json.ReadObjectAsync(foreign))["error"]!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await alpha.PostAsync("/v1/feedback", Json.Body("""{"response_id":"nope","useful":true}"""), ct)).StatusCode);

        foreach (var (body, param, code) in new[]
                 {
                     ("{", (string?)null, "invalid_json"),
                     ("""{"useful":true}""", "response_id", "missing_required_parameter"),
                     ($$"""{"response_id":"{{id}}"}""", "useful", "missing_required_parameter"),
                     ($$"""{"response_id":"{{id}}","useful":"yes"}""", "useful", "invalid_type"),
                     ($$"""{"response_id":"{{id}}","useful":true,"score":2}""", "score", "invalid_value"),
                     ($$"""{"response_id":7,"useful":true}""", "response_id", "invalid_type"),
                 })
        {
            var response = await alpha.PostAsync("/v1/feedback", Json.Body(body), ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var error = (await Json.ReadObjectAsync(response))["error"]!;
            Assert.Equal(code, error["code"]!.GetValue<string>());
            Assert.Equal(param, error["param"]?.GetValue<string>());
        }

        using var anonymous = gateway.Client(key: null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/v1/feedback", Json.Body("{}"), ct)).StatusCode);
    }

    private static async Task<JsonNode> LastHourAsync(HttpClient client)
    {
        var usage = await Json.ReadObjectAsync(await client.GetAsync("/v1/usage"));
        return usage["feedback"]!.AsArray().Single(w => w!["window"]!.GetValue<string>() == "last_hour")!;
    }
}
