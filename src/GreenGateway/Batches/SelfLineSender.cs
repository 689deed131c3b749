using System.Globalization;
using System.Security.Cryptography;
using GreenGateway.Configuration;
using GreenGateway.Core.Batches;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace GreenGateway.Batches;

/// <summary>
/// Sends a batch's request to this gateway's own endpoint, so that it runs through exactly the pipeline a live request
/// does (parse, resolve, admission and its reservation, the cascade, the cache, the upstream, settlement) and is
/// charged to the batch's tenant. It authenticates with a key made fresh for this process (<see cref="BatchKey"/>),
/// which the tenant middleware accepts for the named tenant and strips, with the region header, before anything is
/// forwarded.
/// </summary>
internal sealed class SelfLineSender(IHttpClientFactory clients, IServer server, BatchKey key, IOptions<GatewayConfig> options) : IBatchLineSender
{
    public const string KeyHeader = "X-GG-Batch-Key";
    public const string TenantHeader = "X-GG-Batch-Tenant";
    public const string RegionHeader = "X-GG-Batch-Region";
    public const string HeldHeader = "X-GG-Batch-Held";

    private Uri? _self;

    public async ValueTask<LineOutcome> SendAsync(BatchRecord batch, BatchLine line, string? region, bool held, CancellationToken cancellationToken)
    {
        var http = clients.CreateClient(nameof(SelfLineSender));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Self(), batch.Endpoint))
        {
            Content = new ByteArrayContent(line.Body) { Headers = { ContentType = new("application/json") } },
        };
        request.Headers.Add(KeyHeader, key.Value);
        request.Headers.Add(TenantHeader, batch.TenantId);
        if (region is not null)
        {
            request.Headers.Add(RegionHeader, region);
        }

        if (held)
        {
            request.Headers.Add(HeldHeader, "1");
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var status = (int)response.StatusCode;
        TimeSpan? retryAfter = status is 429 or 503
            ? response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1)
            : null;
        var (joules, grams) = Figures(body) ?? (Number(response, "X-GG-Energy-J"), Number(response, "X-GG-Carbon-g"));
        return new LineOutcome(status, body, Header(response, "X-GG-Request-Id") ?? "", joules, grams, retryAfter);
    }

    /// <summary>The figures in the answer's usage, unrounded (the headers carry them rounded for reading).</summary>
    private static (double Joules, double Grams)? Figures(string body)
    {
        try
        {
            if (System.Text.Json.Nodes.JsonNode.Parse(body)?["usage"] is System.Text.Json.Nodes.JsonObject usage
                && usage["energy_joules"] is System.Text.Json.Nodes.JsonValue joules && joules.TryGetValue<double>(out var j)
                && usage["carbon_gco2e"] is System.Text.Json.Nodes.JsonValue grams && grams.TryGetValue<double>(out var g))
            {
                return (j, g);
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not JSON: the headers' figures stand.
        }

        return null;
    }

    /// <summary>Batches.SelfUrl, else the first address Kestrel listens on, a wildcard host read as loopback.</summary>
    private Uri Self()
    {
        if (_self is { } known)
        {
            return known;
        }

        var address = options.Value.Batches.SelfUrl
            ?? server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The gateway listens on no address; set Batches.SelfUrl.");
        var uri = new UriBuilder(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]" or "::")
        {
            uri.Host = "127.0.0.1";
        }

        uri.Path = "/";
        return _self = uri.Uri;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static double Number(HttpResponseMessage response, string name) =>
        double.TryParse(Header(response, name), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : 0;
}

/// <summary>The key this process's batch runner authenticates its own requests with: random, never stored, never sent elsewhere.</summary>
internal sealed class BatchKey
{
    public string Value { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public bool Matches(string presented) =>
        CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(presented), System.Text.Encoding.UTF8.GetBytes(Value));
}
