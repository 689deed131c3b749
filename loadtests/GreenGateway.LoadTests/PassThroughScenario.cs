using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace GreenGateway.LoadTests;

/// <summary>
/// The gateway's added latency on pass-through: the same chat completion sent at the same constant
/// rate straight to a fast local upstream and through the gateway in front of it, in alternating
/// blocks within one run, so that both see the same machine state.
/// </summary>
internal static class PassThroughScenario
{
    private const string Body = """{"model":"load-model","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"What is the capital of France?"}],"max_tokens":16}""";

    public static async Task<int> RunAsync(double rate, TimeSpan block, int rounds, string report)
    {
        await using var upstream = await StandInUpstream.StartAsync();
        var gateway = GatewayApp.Build([], new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Upstreams:default:Destinations:0"] = upstream.BaseUrl,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await gateway.StartAsync();
        var gatewayUrl = gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromMinutes(10) });
        var direct = Sender(http, upstream.BaseUrl + "/chat/completions");

        // Pass-through is what is measured: the repeated request would otherwise be a cache hit.
        var viaGateway = Sender(http, gatewayUrl.TrimEnd('/') + "/v1/chat/completions", tiers: "upstream");

        Console.WriteLine($"warm-up: {rate} req/s for {block.TotalSeconds} s each way");
        await OpenLoopLoad.RunAsync(direct, rate, block, default);
        await OpenLoopLoad.RunAsync(viaGateway, rate, block, default);

        var directRuns = new List<LatencySample>();
        var gatewayRuns = new List<LatencySample>();
        for (var round = 1; round <= rounds; round++)
        {
            directRuns.Add(await OpenLoopLoad.RunAsync(direct, rate, block, default));
            gatewayRuns.Add(await OpenLoopLoad.RunAsync(viaGateway, rate, block, default));
            Console.WriteLine($"round {round}/{rounds}: direct p99 {directRuns[^1].Percentile(99):0.000} ms, gateway p99 {gatewayRuns[^1].Percentile(99):0.000} ms");
        }

        await gateway.StopAsync();
        var d = LatencySample.Merge(directRuns);
        var g = LatencySample.Merge(gatewayRuns);
        var markdown = Report(rate, block, rounds, d, g);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(report))!);
        await File.WriteAllTextAsync(report, markdown);
        Console.WriteLine(markdown);
        return d.Errors + g.Errors == 0 ? 0 : 1;
    }

    private static Func<CancellationToken, Task<bool>> Sender(HttpClient http, string url, string? tiers = null) => async cancellationToken =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "gg-demo");
        if (tiers is not null)
        {
            request.Headers.Add("X-GG-Tiers", tiers);
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            await response.Content.CopyToAsync(Stream.Null, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    };

    private static string Report(double rate, TimeSpan block, int rounds, LatencySample direct, LatencySample gateway)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("# Pass-through latency: gateway vs direct");
        sb.AppendLine();
        sb.AppendLine(c, $"- Date: {DateTimeOffset.UtcNow:u}; machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        sb.AppendLine(c, $"- Load: open model, constant {rate} req/s, {rounds} alternating blocks of {block.TotalSeconds} s each way after a warm-up block each way; latency counted from each request's due time");
        sb.AppendLine("- Upstream: a fixed-answer Kestrel stand-in; load generator, gateway and upstream share this machine");
        sb.AppendLine();
        sb.AppendLine("| path | requests | errors | p50 ms | p90 ms | p99 ms | max ms |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, s) in new[] { ("direct", direct), ("gateway", gateway) })
        {
            sb.AppendLine(c, $"| {name} | {s.Count} | {s.Errors} | {s.Percentile(50):0.000} | {s.Percentile(90):0.000} | {s.Percentile(99):0.000} | {s.Percentile(100):0.000} |");
        }

        sb.AppendLine();
        sb.AppendLine(c, $"Added latency (gateway minus direct): p50 {gateway.Percentile(50) - direct.Percentile(50):0.000} ms, p99 {gateway.Percentile(99) - direct.Percentile(99):0.000} ms; ratio of p99s {gateway.Percentile(99) / direct.Percentile(99):0.00}.");
        return sb.ToString();
    }
}
