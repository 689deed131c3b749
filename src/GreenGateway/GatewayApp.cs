using GreenGateway.Accounting;
using GreenGateway.Carbon;
using GreenGateway.Configuration;
using GreenGateway.Core.Budgets;
using GreenGateway.Core.Carbon;
using GreenGateway.Core.Energy;
using GreenGateway.Endpoints;
using GreenGateway.Proxy;
using GreenGateway.Telemetry;
using GreenGateway.Tenants;
using GreenGateway.Upstreams;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace GreenGateway;

/// <summary>Composes the gateway. Program runs it; functional tests and load tests start it on a free port.</summary>
public static partial class GatewayApp
{
    /// <summary>The environment variable that sets the default upstream for a quick start (e.g. http://127.0.0.1:8000/v1).</summary>
    public const string UpstreamUrlVariable = "GG_UPSTREAM_URL";

    /// <param name="args">Command-line arguments (<c>--urls</c>, <c>--Section:Key=value</c>).</param>
    /// <param name="overrides">Settings applied over appsettings.json and the environment (tests).</param>
    /// <param name="services">Service registrations applied last (tests: a fake TimeProvider).</param>
    public static WebApplication Build(string[] args, IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = FindContentRoot() });
        if (Environment.GetEnvironmentVariable(UpstreamUrlVariable) is { Length: > 0 } upstream)
        {
            // The user's own server takes the default upstream's place, even on the model server's port.
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Upstreams:default:Destinations:0"] = upstream,
                ["ModelServer:Mode"] = "off",
            });
        }

        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        var config = builder.Configuration.Get<GatewayConfig>() ?? new GatewayConfig();
        if (config.StartsModelServer)
        {
            // A free loopback port and a fresh key: the model host is reachable only through the gateway.
            builder.Configuration.AddInMemoryCollection(ModelServerSettings(config));
            config = builder.Configuration.Get<GatewayConfig>() ?? new GatewayConfig();
        }

        if (config.Validate() is { Count: > 0 } errors)
        {
            throw new InvalidOperationException("The configuration is not valid:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", errors));
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = Math.Max(config.Gateway.MaxRequestBodyBytes, 30_000_000);
            kestrel.AddServerHeader = false;
        });
        AddGateway(builder.Services, config);
        GatewayTelemetry.Add(builder.Services, config.Telemetry);
        services?.Invoke(builder.Services);

        var app = builder.Build();
        _ = app.Services.GetRequiredService<PolicyMonitor>(); // policy errors stop the start, all of them listed
        _ = app.Services.GetRequiredService<IBudgetLedger>(); // connects to Redis, when configured, before the first request
        // Paths are spelled one way before routing matches them: the route YARP matches is the request's classification.
        app.UseMiddleware<Routing.PathNormalizationMiddleware>();
        app.UseRouting();
        app.UseMiddleware<TenantAuthenticationMiddleware>();
        GatewayTelemetry.MapEndpoints(app, config.Telemetry);
        app.MapGet("/healthz", HealthEndpoints.Live);
        app.MapGet("/readyz", HealthEndpoints.ReadyAsync);
        app.MapGet("/v1/usage", UsageEndpoint.HandleAsync);
        app.MapGet("/v1/models", ModelsEndpoint.HandleAsync);
        ResponsesEndpoint.Map(app);
        app.MapPost("/v1/feedback", FeedbackEndpoint.HandleAsync);
        if (config.Dashboard.Enabled)
        {
            Dashboard.DashboardEndpoints.Map(app);
        }

        if (config.Batches.Enabled)
        {
            Batches.FilesEndpoint.Map(app);
            Batches.BatchesEndpoint.Map(app);
        }

        app.MapReverseProxy(proxy =>
        {
            proxy.UseMiddleware<Pipeline.GatewayPipeline>();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }

    /// <summary>
    /// Where the in-process model host listens (the configured port, else a free one) and the per-process key it
    /// requires, set on every upstream that points at it (and on its upstream's destination when that lists none).
    /// </summary>
    private static Dictionary<string, string?> ModelServerSettings(GatewayConfig config)
    {
        var settings = new Dictionary<string, string?>();
        var port = config.ModelServer.Port;
        var upstreams = config.UpstreamsAtModelServer().ToList();
        if (port == 0)
        {
            port = FreeLoopbackPort();
            settings["ModelServer:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings[$"Upstreams:{config.ModelServer.Upstream}:Destinations:0"] = $"http://127.0.0.1:{port}/v1";
            upstreams.Add(config.ModelServer.Upstream);
        }

        if (config.ModelServer.WattsPerCore is null)
        {
            settings["ModelServer:WattsPerCore"] = config.Cascade.Draft.WattsPerCore.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        }

        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        settings["ModelServer:ApiKey"] = key;
        foreach (var name in upstreams)
        {
            settings[$"Upstreams:{name}:ApiKey"] = key;
            settings[$"Upstreams:{name}:ApiKeyEnvironmentVariable"] = null;
        }

        return settings;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void AddGateway(IServiceCollection services, GatewayConfig config)
    {
        services.AddSingleton(Options.Create(config));
        if (config.StartsModelServer)
        {
            // Registered first, so that it is up before model discovery asks it what it serves.
            services.AddSingleton(config.ModelServer);
            services.AddSingleton<ModelServer.InProcessModelHostFactory>(GreenGateway.ModelHost.ModelHostApp.Build);
            services.AddHostedService(sp => new ModelServer.ModelServerService(
                sp.GetRequiredService<ModelServer.ModelServerOptions>(),
                sp.GetRequiredService<IHostEnvironment>(),
                sp.GetRequiredService<IHttpClientFactory>(),
                sp.GetRequiredService<ILogger<ModelServer.ModelServerService>>(),
                sp.GetRequiredService<ModelServer.InProcessModelHostFactory>(),
                ct => sp.GetRequiredService<Yarp.ReverseProxy.Health.IActiveHealthCheckMonitor>()
                    .CheckHealthAsync(sp.GetRequiredService<Yarp.ReverseProxy.IProxyStateLookup>().GetClusters())));
        }

        services.AddSingleton(TimeProvider.System);
        services.AddHttpClient();
        services.AddSingleton<PolicyMonitor>();
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<ModelDiscovery>();
        services.AddHostedService(sp => sp.GetRequiredService<ModelDiscovery>());
        services.AddSingleton<GatewayMetrics>();
        SharedState.Add(services, config);
        services.AddSingleton(new EnergyModel(config.Energy.Pue));
        services.AddSingleton(new CarbonCalculator(config.Carbon.Embodied));
        services.AddSingleton(sp => CreateCarbonSource(sp, config.Carbon));
        services.AddSingleton(config.Energy.Baseline);
        services.AddSingleton(config.Energy.Baseline.ToOptions());
        services.AddSingleton<Counterfactual>();
        services.AddSingleton<EnergyAccountant>();
        services.AddSingleton<GreenGateway.Core.Rules.RuleEngine>();
        services.AddSingleton<Upstreams.ClusterClient>();
        services.AddSingleton<Pipeline.ModelResolver>();
        services.AddSingleton<Pipeline.BudgetAdmission>();
        services.AddSingleton<Pipeline.Settlement>();
        services.AddSingleton<Dashboard.ActivityRecorder>();
        services.AddSingleton<Dashboard.DashboardAuth>();
        services.AddSingleton<Dashboard.DashboardQuery>();
        services.AddSingleton<Pipeline.ResponseConversations>();
        services.AddSingleton<Pipeline.PassThrough>();
        services.AddSingleton<Answers.AnswerWriter>();
        services.AddSingleton<UpstreamForwarder>();
        AddCascade(services, config);
        AddBatches(services, config);

        var (routes, clusters) = ProxyConfigBuilder.Build(config);
        services.AddReverseProxy().LoadFromMemory(routes, clusters).AddTransforms<UpstreamAuthTransformProvider>();
        services.AddSingleton<UpstreamLatency>();
        services.AddSingleton<IForwarderHttpClientFactory, UpstreamHttpClientFactory>();
    }

    /// <summary>The Files and Batch APIs: the store (SharedState), the planner, the executor and each replica's runner.</summary>
    private static void AddBatches(IServiceCollection services, GatewayConfig config)
    {
        services.AddSingleton<Batches.BatchKey>();
        services.AddSingleton<GreenGateway.Core.Batches.IBatchRegions, Batches.CatalogRegions>();
        services.AddSingleton<GreenGateway.Core.Batches.IBatchLineSender, Batches.SelfLineSender>();
        services.AddSingleton<GreenGateway.Core.Batches.IBatchObserver, Batches.BatchMetrics>();
        services.AddSingleton(new GreenGateway.Core.Batches.BatchPlanner(config.Batches.ToPlannerOptions()));
        services.AddSingleton(sp => new GreenGateway.Core.Batches.BatchExecutor(
            sp.GetRequiredService<GreenGateway.Core.Batches.IBatchStore>(),
            sp.GetRequiredService<GreenGateway.Core.Batches.BatchPlanner>(),
            sp.GetRequiredService<ICarbonIntensitySource>(),
            sp.GetRequiredService<GreenGateway.Core.Batches.IBatchRegions>(),
            sp.GetRequiredService<GreenGateway.Core.Batches.IBatchLineSender>(),
            sp.GetRequiredService<TimeProvider>(),
            config.Batches.ToExecutorOptions(),
            sp.GetRequiredService<GreenGateway.Core.Batches.IBatchObserver>(),
            sp.GetRequiredService<GreenGateway.Core.Budgets.IBudgetLedger>()));
        services.AddSingleton<Batches.BatchBudget>();
        services.AddSingleton<Batches.BatchRunner>();
        if (config.Batches.Enabled)
        {
            services.AddHostedService(sp => sp.GetRequiredService<Batches.BatchRunner>());
        }

        services.AddHttpClient(nameof(Batches.SelfLineSender), client => client.Timeout = Timeout.InfiniteTimeSpan);
    }

    /// <summary>Tiers 2 and 3 (the draft model in this process, verification by the large model) and the router.</summary>
    private static void AddCascade(IServiceCollection services, GatewayConfig config)
    {
        services.AddSingleton(sp =>
        {
            // Relative model paths are resolved against the content root, as the model server's are.
            var root = sp.GetRequiredService<IHostEnvironment>().ContentRootPath;
            var router = config.Cascade.Router.Model is { Length: > 0 } r ? Path.GetFullPath(r, root) : null;
            return config.Cascade with
            {
                Draft = config.Cascade.Draft with { Model = Path.GetFullPath(config.Cascade.Draft.Model, root) },
                Router = config.Cascade.Router with { Model = router },
            };
        });
        services.AddSingleton<GreenGateway.Draft.DraftModel>();
        services.AddSingleton<GreenGateway.Core.Cascade.IVerifier, GreenGateway.Speculative.YarpVerifier>();
        services.AddSingleton<GreenGateway.Rules.RulesTier>();
        services.AddSingleton<GreenGateway.Cache.CacheTier>();
        services.AddSingleton<GreenGateway.Draft.DraftTier>();
        services.AddSingleton<GreenGateway.Speculative.SpeculativeTier>();
        services.AddSingleton(sp =>
        {
            var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("GreenGateway.Cascade");
            GreenGateway.Core.Cascade.ITier[] tiers =
            [
                sp.GetRequiredService<GreenGateway.Rules.RulesTier>(),
                sp.GetRequiredService<GreenGateway.Cache.CacheTier>(),
                sp.GetRequiredService<GreenGateway.Draft.DraftTier>(),
                sp.GetRequiredService<GreenGateway.Speculative.SpeculativeTier>(),
            ];
            return new GreenGateway.Core.Cascade.TierCascade(tiers, (tier, e) => GatewayLog.TierFailed(log, tier.ToString(), e));
        });
        services.AddSingleton<GreenGateway.Cascade.TierRouter>();
        services.AddSingleton<GreenGateway.Cascade.CascadePlanner>();
        services.AddSingleton<GreenGateway.Cascade.CascadeJudge>();
        services.AddSingleton<GreenGateway.Cascade.OutcomeLog>();
    }

    private static ICarbonIntensitySource CreateCarbonSource(IServiceProvider services, CarbonOptions carbon)
    {
        var fallback = new StaticCarbonIntensitySource(carbon.StaticGramsPerKwh);
        var built = new Dictionary<string, ICarbonIntensitySource>(StringComparer.Ordinal);
        ICarbonIntensitySource Named(string name)
        {
            if (built.TryGetValue(name, out var known))
            {
                return known;
            }

            var root = services.GetRequiredService<IHostEnvironment>().ContentRootPath;
            var http = services.GetRequiredService<IHttpClientFactory>();
            ICarbonIntensitySource source = name switch
            {
                "timeseries" => TimeSeriesCarbonIntensitySource.Load(Path.Combine(root, carbon.TimeSeriesPath!), fallback),
                "electricitymaps" => new ElectricityMapsCarbonSource(http.CreateClient(nameof(ElectricityMapsCarbonSource)), carbon.ElectricityMaps, fallback,
                    services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<ElectricityMapsCarbonSource>>()),
                "watttime" => new WattTimeCarbonSource(http.CreateClient(nameof(WattTimeCarbonSource)), carbon.WattTime, fallback,
                    services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<WattTimeCarbonSource>>()),
                _ => fallback,
            };
            built[name] = source;
            return source;
        }

        var main = Named(carbon.Source);
        if (carbon.Regions.Count == 0)
        {
            return main;
        }

        var regions = new Dictionary<string, (ICarbonIntensitySource, string)>(StringComparer.OrdinalIgnoreCase);
        foreach (var (region, named) in carbon.Regions)
        {
            regions[region] = (Named(named.Source), named.Zone ?? region);
        }

        return new RegionalCarbonSource(main, regions);
    }

    /// <summary>The folder of appsettings.json and policies/: the working directory when it has them
    /// (running from a clone), else the binary's folder (a published gateway).</summary>
    private static string FindContentRoot()
    {
        var cwd = Directory.GetCurrentDirectory();
        return File.Exists(Path.Combine(cwd, "appsettings.json")) ? cwd : AppContext.BaseDirectory;
    }

    private static partial class GatewayLog
    {
        [LoggerMessage(EventId = 1107, Level = LogLevel.Error, Message = "Tier {Tier} failed; the request goes on to the next tier")]
        public static partial void TierFailed(ILogger logger, string tier, Exception exception);
    }
}
