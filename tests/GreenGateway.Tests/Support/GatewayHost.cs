using System.Net.Http.Headers;
using GreenGateway.Core.Policies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace GreenGateway.Tests.Support;

/// <summary>The real gateway (the composition Program runs) on a free loopback port, with its own policy folder.</summary>
internal sealed class GatewayHost : IAsyncDisposable
{
    /// <summary>The default test tenants: keys are the tenant id prefixed with <c>key-</c>.</summary>
    public const string DefaultPolicies = """
        tenants:
          alpha:
            keys: ["{alpha}"]
          limited:
            keys: ["{limited}"]
            models: ["echo-model"]
        """;

    private readonly WebApplication _app;

    private GatewayHost(WebApplication app, string policies, Uri address)
    {
        _app = app;
        PoliciesDirectory = policies;
        BaseAddress = address;
    }

    public Uri BaseAddress { get; }

    public string PoliciesDirectory { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a gateway whose upstream <c>main</c> has the given destinations.</summary>
    public static async Task<GatewayHost> StartAsync(
        IEnumerable<string> destinations,
        string? policies = null,
        IDictionary<string, string?>? settings = null,
        TimeProvider? time = null)
    {
        var folder = Directory.CreateTempSubdirectory("gg-policies-").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "tenants.yaml"), WithKeys(policies ?? DefaultPolicies));
        var overrides = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Gateway:PoliciesPath"] = folder,
            // appsettings.json's own upstream stays, pointed at the first destination and kept quiet.
            ["Upstreams:default:DiscoverModels"] = "false",
            ["Upstreams:default:HealthCheckPath"] = "",
            ["Upstreams:main:HealthCheckIntervalSeconds"] = "60",
            ["Upstreams:main:ResponseTimeoutSeconds"] = "30",
            ["PassThroughUpstream"] = "main",

            // Most tests are about the upstream tier and repeat requests on purpose; cache tests turn it on.
            ["Cache:Enabled"] = "false",

            // Baseline probes are random; tests that are about them turn them on.
            ["Energy:Baseline:ProbeFraction"] = "0",
        };
        var i = 0;
        overrides["Upstreams:default:Destinations:0"] = destinations.First();
        foreach (var destination in destinations)
        {
            overrides[$"Upstreams:main:Destinations:{i++}"] = destination;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var app = GatewayApp.Build([], overrides, services =>
        {
            if (time is not null)
            {
                services.AddSingleton(time);
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GatewayHost(app, folder, new Uri(address));
    }

    /// <summary>Replaces <c>{name}</c> placeholders by the hash of the key <c>key-name</c>.</summary>
    public static string WithKeys(string yaml)
    {
        foreach (var name in new[] { "alpha", "limited", "tiny", "saver", "beta", "gamma", "delta", "epsilon" })
        {
            yaml = yaml.Replace("{" + name + "}", PolicySet.HashKey("key-" + name), StringComparison.Ordinal);
        }

        return yaml;
    }

    public HttpClient Client(string? key = "key-alpha")
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>Tests that leave requests in flight on purpose (a client gone mid-stream) and check the ledger themselves.</summary>
    public bool SkipReservationCheck { get; set; }

    /// <summary>
    /// Every test leaves its tenants' reservations at zero: whatever a request did (answered, refused, failed, threw,
    /// was abandoned), its reservation was settled or released. A request still finishing gets a few seconds.
    /// </summary>
    public async Task AssertNothingReservedAsync()
    {
        var ledger = _app.Services.GetRequiredService<GreenGateway.Core.Budgets.IBudgetLedger>();
        var time = _app.Services.GetRequiredService<TimeProvider>();
        var tenants = _app.Services.GetRequiredService<GreenGateway.Tenants.PolicyMonitor>().Current.Tenants.Keys;
        var left = new List<string>();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            left.Clear();
            foreach (var tenant in tenants)
            {
                foreach (var window in await ledger.GetUsageAsync(tenant, time.GetUtcNow(), CancellationToken.None))
                {
                    // Floating-point sums of reservations and their releases may leave a residue of 1e-12 or so; a
                    // reservation left behind is at least the energy of one prompt token (about 0.03 J).
                    if (Math.Abs(window.Reserved.Joules) > 1e-6 || Math.Abs(window.Reserved.GramsCo2e) > 1e-9)
                    {
                        left.Add($"{tenant}/{window.Span.Window}: {window.Reserved.Joules} J, {window.Reserved.GramsCo2e} g reserved");
                    }
                }
            }

            if (left.Count == 0)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail("Reservations were left behind: " + string.Join("; ", left));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!SkipReservationCheck)
            {
                await AssertNothingReservedAsync();
            }
        }
        finally
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            Directory.Delete(PoliciesDirectory, recursive: true);
        }
    }
}
