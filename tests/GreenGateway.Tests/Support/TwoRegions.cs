using Microsoft.Extensions.DependencyInjection;

namespace GreenGateway.Tests.Support;

/// <summary>
/// A gateway whose model <c>echo-model</c> is served in two regions by two Kestrel upstreams: its own upstream
/// <c>main</c> in <c>coal-valley</c> (500 g/kWh) and <c>fjord</c> in <c>hydro-fjord</c> (50 g/kWh; declared
/// <c>AddedLatencyMs</c> 30), the grid a synthetic time series. Started once the catalog knows both serve the model.
/// </summary>
internal sealed class TwoRegions : IAsyncDisposable
{
    private readonly string _directory;

    private TwoRegions(string directory, FakeOpenAiUpstream dirty, FakeOpenAiUpstream clean, GatewayHost gateway)
    {
        _directory = directory;
        Dirty = dirty;
        Clean = clean;
        Gateway = gateway;
    }

    public FakeOpenAiUpstream Dirty { get; }

    public FakeOpenAiUpstream Clean { get; }

    public GatewayHost Gateway { get; }

    /// <summary>Chat requests each upstream was sent.</summary>
    public int CleanChats => Chats(Clean);

    public int DirtyChats => Chats(Dirty);

    public static async Task<TwoRegions> StartAsync(string policies, IDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        var directory = Directory.CreateTempSubdirectory("gg-regions-").FullName;
        var dirty = await FakeOpenAiUpstream.StartAsync("dirty");
        var clean = await FakeOpenAiUpstream.StartAsync("clean");
        var series = Path.Combine(directory, "grid.csv");
        await File.WriteAllTextAsync(series, "region,timestamp,gco2e_per_kwh\n# synthetic\ncoal-valley,2020-01-01T00:00:00Z,500\nhydro-fjord,2020-01-01T00:00:00Z,50\n");
        var all = new Dictionary<string, string?>
        {
            ["Batches:Directory"] = Path.Combine(directory, "store"),
            ["Batches:PollSeconds"] = "0.2",
            ["Carbon:Source"] = "timeseries",
            ["Carbon:TimeSeriesPath"] = series,
            ["Upstreams:main:Region"] = "coal-valley",
            ["Upstreams:fjord:Destinations:0"] = clean.BaseUrl,
            ["Upstreams:fjord:Region"] = "hydro-fjord",
            ["Upstreams:fjord:HealthCheckPath"] = "",
            ["Upstreams:fjord:AddedLatencyMs"] = "30",
            ["Models:echo-model:Upstream"] = "main",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var gateway = await GatewayHost.StartAsync([dirty.BaseUrl], policies, all, time);

        // The fjord upstream lists its models in the background.
        var catalog = gateway.Services.GetRequiredService<GreenGateway.Upstreams.ModelCatalog>();
        for (var i = 0; i < 200 && catalog.RoutesIn("echo-model").Count < 2; i++)
        {
            await Task.Delay(50);
        }

        return new TwoRegions(directory, dirty, clean, gateway);
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Dirty.DisposeAsync();
        await Clean.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static int Chats(FakeOpenAiUpstream upstream) => upstream.Requests.Count(r => r.Path.EndsWith("/chat/completions", StringComparison.Ordinal));
}
