using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;

namespace GreenGateway.LoadTests.Targets;

/// <summary>
/// YARP and nothing else: one catch-all route to one destination, default forwarder and transforms, on the
/// same host defaults as the gateway (WebApplication.CreateBuilder). The floor a YARP-based gateway cannot
/// go below, measured beside the gateway to tell the hop's cost from the gateway's own.
/// </summary>
internal static class BareProxy
{
    public static WebApplication Build(string url, string destination)
    {
        // An empty content root: none of the gateway's appsettings.json (logging, Kestrel) applies here.
        var root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "gg-bare-proxy")).FullName;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = root });
        builder.WebHost.UseUrls(url);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var route = new RouteConfig { RouteId = "all", ClusterId = "upstream", Match = new RouteMatch { Path = "/{**rest}" } };
        var cluster = new ClusterConfig
        {
            ClusterId = "upstream",
            Destinations = new Dictionary<string, DestinationConfig> { ["d"] = new() { Address = destination } },
        };
        builder.Services.AddReverseProxy().LoadFromMemory([route], [cluster]);
        var app = builder.Build();
        app.MapReverseProxy();
        return app;
    }
}
