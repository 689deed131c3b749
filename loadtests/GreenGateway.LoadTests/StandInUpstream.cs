using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GreenGateway.LoadTests;

/// <summary>
/// A fast OpenAI-compatible upstream on a free loopback port: a fixed chat completion with usage, so
/// that what is measured is the gateway, not a model.
/// </summary>
internal sealed class StandInUpstream : IAsyncDisposable
{
    private static readonly byte[] Completion = """
        {"id":"cmpl-load","object":"chat.completion","created":1700000000,"model":"load-model","choices":[{"index":0,"message":{"role":"assistant","content":"A short fixed answer from the stand-in upstream."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":10,"total_tokens":22}}
        """u8.ToArray();

    private static readonly byte[] Models = """{"object":"list","data":[{"id":"load-model","object":"model","created":0,"owned_by":"stand-in"}]}"""u8.ToArray();

    private readonly WebApplication _app;

    private StandInUpstream(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>http://127.0.0.1:port/v1</summary>
    public string BaseUrl { get; }

    public static async Task<StandInUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/v1/models", (HttpContext context) => Write(context, Models));
        app.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            // Read the body as a real server would.
            await context.Request.Body.CopyToAsync(Stream.Null);
            await Write(context, Completion);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new StandInUpstream(app, address.TrimEnd('/') + "/v1");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static Task Write(HttpContext context, byte[] body)
    {
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body).AsTask();
    }
}
