using System.Text.Json;
using GreenGateway.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace GreenGateway.Deploy.Tests.Support;

/// <summary>
/// The real gateway (<see cref="GatewayApp.Build"/>) started with the environment a deployment file gives
/// it, translated to configuration keys, on a free loopback port instead of the file's address, with a
/// stand-in upstream for GG_UPSTREAM_URL and, when given, a real Redis for GG_REDIS_URL.
/// </summary>
internal sealed class RealGateway : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly WebApplication _upstream;
    private readonly string _folder;

    private RealGateway(WebApplication app, WebApplication upstream, string folder, Uri address)
    {
        _app = app;
        _upstream = upstream;
        _folder = folder;
        Address = address;
    }

    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    /// <param name="environment">The variables the file sets.</param>
    /// <param name="policies">Policy files as the file mounts them (name, text).</param>
    /// <param name="redisUrl">A running Redis in place of the file's GG_REDIS_URL.</param>
    public static async Task<RealGateway> StartAsync(IReadOnlyDictionary<string, string> environment, IEnumerable<(string Name, string Text)> policies, string? redisUrl = null)
    {
        var (upstream, upstreamAddress) = await Loopback.StartAsync(static app =>
        {
            app.MapGet("/v1/models", () => Results.Json(new { @object = "list", data = new[] { new { id = "deploy-model", @object = "model" } } }));
            app.MapPost("/v1/chat/completions", () => Results.Json(new
            {
                id = "chatcmpl-deploy",
                @object = "chat.completion",
                created = 0,
                model = "deploy-model",
                choices = new[] { new { index = 0, message = new { role = "assistant", content = "Deployed." }, finish_reason = "stop" } },
                usage = new { prompt_tokens = 9, completion_tokens = 2, total_tokens = 11 },
            }));
        });
        var folder = Directory.CreateTempSubdirectory("gg-deploy-").FullName;
        var policyFolder = Directory.CreateDirectory(Path.Combine(folder, "policies")).FullName;
        foreach (var (name, text) in policies)
        {
            await File.WriteAllTextAsync(Path.Combine(policyFolder, name), text);
        }

        var overrides = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" };
        foreach (var (variable, value) in environment)
        {
            if (variable.Contains("__", StringComparison.Ordinal))
            {
                overrides[GatewaySettings.KeyOf(variable)] = value;
            }
        }

        // What the file points elsewhere is pointed at this machine: its address, its folders, its servers.
        overrides["urls"] = "http://127.0.0.1:0";
        overrides["Gateway:PoliciesPath"] = policyFolder;
        if (overrides.ContainsKey("Redis:JournalPath"))
        {
            overrides["Redis:JournalPath"] = Path.Combine(folder, "ledger.journal");
        }

        overrides["Upstreams:default:Destinations:0"] = upstreamAddress.TrimEnd('/') + "/v1";
        overrides["Redis:Url"] = redisUrl;
        var app = GatewayApp.Build([], overrides);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RealGateway(app, upstream, folder, new Uri(address));
    }

    public async Task<(int Status, JsonElement? Json)> GetAsync(string path)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        JsonElement? json = response.Content.Headers.ContentType?.MediaType == "application/json" ? JsonDocument.Parse(body).RootElement.Clone() : null;
        return ((int)response.StatusCode, json);
    }

    /// <summary>GET with the body as text (for <c>/metrics</c>).</summary>
    public async Task<(int Status, string Body)> GetTextAsync(string path)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync(path);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>POSTs a JSON body with a bearer key; returns the status.</summary>
    public async Task<int> PostAsync(string path, string json, string key)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request);
        return (int)response.StatusCode;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _upstream.StopAsync();
        await _upstream.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
