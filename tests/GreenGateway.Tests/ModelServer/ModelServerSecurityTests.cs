using System.Net;
using System.Net.Sockets;
using GreenGateway.Configuration;
using GreenGateway.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GreenGateway.ModelServer.Tests;

/// <summary>
/// The in-process model server is the gateway's alone: on a free port, behind a key only the gateway knows, and never
/// a reason for the gateway not to start.
/// </summary>
public sealed class ModelServerSecurityTests
{
    [Fact]
    public async Task DefaultModelServer_IsOnAFreePort_AndRefusesCallsWithoutTheGatewaysKey()
    {
        await using var app = await StartAsync(new Dictionary<string, string?>());
        var destination = app.Services.GetRequiredService<IOptions<GatewayConfig>>().Value.Upstreams["default"].Destinations.Single();
        using var direct = new HttpClient();
        using var gateway = Client(app, "gg-test");

        var bypass = await direct.PostAsync(destination + "/chat/completions", Json.Body(Json.Chat("target", extra: ""","max_tokens":4""")), TestContext.Current.CancellationToken);
        var through = await gateway.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("target", extra: ""","max_tokens":4,"temperature":0""")), TestContext.Current.CancellationToken);

        Assert.DoesNotContain(":8000/", destination, StringComparison.Ordinal);
        Assert.StartsWith("http://127.0.0.1:", destination, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, bypass.StatusCode);
        Assert.Equal(HttpStatusCode.OK, through.StatusCode);

        // Its health and model list stay open, for health checks.
        Assert.Equal(HttpStatusCode.OK, (await direct.GetAsync(destination + "/models", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task ModelServersPortTaken_TheGatewayStartsAnyway_AndIsNotReady()
    {
        // Another program holds the port, and closes every connection it accepts.
        var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        var rejecting = Task.Run(
            async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    using var connection = await squatter.AcceptTcpClientAsync(stop.Token);
                }
            },
            TestContext.Current.CancellationToken);

        await using var app = await StartAsync(new Dictionary<string, string?>
        {
            ["ModelServer:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Upstreams:default:Destinations:0"] = $"http://127.0.0.1:{port}/v1",
        });
        using var client = Client(app, key: null);

        var ready = await client.GetAsync("/readyz", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz", TestContext.Current.CancellationToken)).StatusCode);
        Assert.True(ready.StatusCode == HttpStatusCode.ServiceUnavailable, await ready.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        await stop.CancelAsync();
        squatter.Stop();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rejecting.WaitAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task DeadUpstream_IsNotReady_WithinOneHealthCheckInterval()
    {
        var dead = $"http://127.0.0.1:{Loopback.FreePort()}/v1";
        var started = System.Diagnostics.Stopwatch.StartNew();
        await using var app = await StartAsync(new Dictionary<string, string?>
        {
            ["Upstreams:default:Destinations:0"] = dead,
            ["ModelServer:Mode"] = "off",
            ["Upstreams:default:HealthCheckIntervalSeconds"] = "15",
        });
        using var client = Client(app, key: null);

        HttpStatusCode status;
        do
        {
            status = (await client.GetAsync("/readyz", TestContext.Current.CancellationToken)).StatusCode;
            if (status == HttpStatusCode.ServiceUnavailable)
            {
                break;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        while (started.Elapsed < TimeSpan.FromSeconds(15));

        // Never "ready" with a dead upstream: not while the first checks run, and not after them.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"took {started.Elapsed}");
    }

    /// <summary>The shipped configuration (appsettings.json, the demo model) on a free port, with a test tenant.</summary>
    private static async Task<AppHandle> StartAsync(Dictionary<string, string?> settings)
    {
        var policies = Directory.CreateTempSubdirectory("gg-policies-").FullName;
        await File.WriteAllTextAsync(Path.Combine(policies, "tenants.yaml"), $$"""
            tenants:
              test:
                keys: ["{{Core.Policies.PolicySet.HashKey("gg-test")}}"]
            """);
        var root = Repository.Root;
        var overrides = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Critical",
            ["Gateway:PoliciesPath"] = policies,
            ["ModelServer:Model"] = Path.Combine(root, "models", "target"),
            ["Cascade:Draft:Enabled"] = "false",
            ["Cascade:Router:Model"] = "",
            ["Cache:Enabled"] = "false",
        };
        foreach (var (key, value) in settings)
        {
            overrides[key] = value;
        }

        var app = GatewayApp.Build([], overrides);
        await app.StartAsync();
        return new AppHandle(app, policies);
    }

    private static HttpClient Client(AppHandle app, string? key)
    {
        var address = app.App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var client = new HttpClient { BaseAddress = new Uri(address) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        }

        return client;
    }


    private sealed class AppHandle(WebApplication app, string policies) : IAsyncDisposable
    {
        public WebApplication App { get; } = app;

        public IServiceProvider Services => App.Services;

        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
            Directory.Delete(policies, recursive: true);
        }
    }
}
