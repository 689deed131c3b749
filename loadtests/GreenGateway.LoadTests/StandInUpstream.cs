using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GreenGateway.LoadTests;

/// <summary>
/// A fast OpenAI-compatible upstream on a free loopback port: a fixed answer whose usage reports 12 prompt
/// tokens and max_tokens completion tokens (10 without), as JSON or as an SSE stream, after an optional
/// delay, so that what is measured is the gateway, not a model.
/// </summary>
internal sealed class StandInUpstream : IAsyncDisposable
{
    private static readonly byte[] Models = """{"object":"list","data":[{"id":"load-model","object":"model","created":0,"owned_by":"stand-in"}]}"""u8.ToArray();

    private readonly WebApplication _app;

    private StandInUpstream(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>http://127.0.0.1:port/v1</summary>
    public string BaseUrl { get; }

    /// <param name="delayMs">Delay before each answer.</param>
    /// <param name="url">Where to listen; default a free loopback port.</param>
    public static async Task<StandInUpstream> StartAsync(int delayMs = 0, string url = "http://127.0.0.1:0")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/v1/models", (HttpContext context) => Write(context, "application/json", Models));
        app.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            var completion = body.RootElement.TryGetProperty("max_tokens", out var max) ? max.GetInt32() : 10;
            var stream = body.RootElement.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
            if (delayMs > 0)
            {
                await Task.Delay(delayMs);
            }

            var usage = string.Create(CultureInfo.InvariantCulture, $$"""{"prompt_tokens":12,"completion_tokens":{{completion}},"total_tokens":{{12 + completion}}}""");
            if (!stream)
            {
                await Write(context, "application/json", Encoding.UTF8.GetBytes($$"""{"id":"cmpl-load","object":"chat.completion","created":1700000000,"model":"load-model","choices":[{"index":0,"message":{"role":"assistant","content":"A short fixed answer from the stand-in upstream."},"finish_reason":"stop"}],"usage":{{usage}}}"""));
                return;
            }

            context.Response.ContentType = "text/event-stream";
            foreach (var word in new[] { "A", " short", " streamed", " answer." })
            {
                await context.Response.WriteAsync($$"""data: {"id":"cmpl-load","object":"chat.completion.chunk","created":1700000000,"model":"load-model","choices":[{"index":0,"delta":{"content":"{{word}}"},"finish_reason":null}]}""" + "\n\n");
                await context.Response.Body.FlushAsync();
            }

            await context.Response.WriteAsync($$"""data: {"id":"cmpl-load","object":"chat.completion.chunk","created":1700000000,"model":"load-model","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""" + "\n\n");
            await context.Response.WriteAsync($$"""data: {"id":"cmpl-load","object":"chat.completion.chunk","created":1700000000,"model":"load-model","choices":[],"usage":{{usage}}}""" + "\n\ndata: [DONE]\n\n");
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

    private static Task Write(HttpContext context, string contentType, byte[] body)
    {
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body).AsTask();
    }
}
