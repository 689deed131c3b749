using System.Net;
using System.Text;
using GreenGateway.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace GreenGateway.Proxy.Tests;

/// <summary>
/// Upstream answers are read whole, within <c>Gateway.MaxResponseBodyBytes</c>, whether the upstream declares
/// their length (read into one exact array) or streams them chunked: intact within the limit, a clear 502 past it.
/// </summary>
public sealed class OversizedResponseTests : IAsyncLifetime
{
    private const string Short = """{"id":"c1","object":"chat.completion","model":"short","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}""";

    private WebApplication _upstream = null!;
    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        string address;
        (_upstream, address) = await Loopback.StartAsync(app =>
        {
            app.MapGet("/v1/models", () => Results.Json(new { @object = "list", data = new[] { new { id = "short", @object = "model" }, new { id = "long", @object = "model" } } }));
            app.MapPost("/v1/chat/completions", async (HttpContext context) =>
            {
                var text = context.Request.Headers["X-Test-Size"] == "long" ? Short.Replace("\"Hi\"", "\"" + new string('x', 1000) + "\"", StringComparison.Ordinal) : Short;
                var bytes = Encoding.UTF8.GetBytes(text);
                context.Response.ContentType = "application/json";
                if (context.Request.Headers["X-Test-Length"] == "known")
                {
                    context.Response.ContentLength = bytes.Length;
                    await context.Response.Body.WriteAsync(bytes);
                }
                else
                {
                    await context.Response.Body.FlushAsync(); // headers out first: chunked
                    await context.Response.Body.WriteAsync(bytes);
                }
            });
        });
        _gateway = await GatewayHost.StartAsync([address.TrimEnd('/') + "/v1"], settings: new Dictionary<string, string?>
        {
            ["Gateway:MaxResponseBodyBytes"] = "512",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private async Task<HttpResponseMessage> AskAsync(HttpClient client, string size, string length)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json.Body(Json.Chat("short")) };
        request.Headers.Add("X-Test-Size", size);
        request.Headers.Add("X-Test-Length", length);
        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("known")]
    [InlineData("chunked")]
    public async Task ResponseWithinTheLimit_IsRelayedIntact(string length)
    {
        using var client = _gateway.Client();

        var response = await AskAsync(client, "short", length);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Json.ReadObjectAsync(response);
        Assert.Equal("Hi", body["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal(4, body["usage"]!["total_tokens"]!.GetValue<int>());
        Assert.True(body["usage"]!["energy_joules"]!.GetValue<double>() > 0);
    }

    [Theory]
    [InlineData("known")]
    [InlineData("chunked")]
    public async Task ResponseOverTheLimit_Gets502_AndIsNotCharged(string length)
    {
        using var client = _gateway.Client();

        var response = await AskAsync(client, "long", length);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = (await Json.ReadObjectAsync(response))["error"]!;
        Assert.Equal("upstream_failed", error["code"]!.GetValue<string>());
        Assert.Contains("MaxResponseBodyBytes", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await Json.ConsumedJoulesAsync(client));
    }
}
