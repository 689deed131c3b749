using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GreenGateway.LoadTests.Scenarios;

namespace GreenGateway.LoadTests.Load;

/// <summary>
/// Builds the i-th request of a scenario from its mix (the draw is seeded, so a schedule always sends the
/// same requests) and reads what the gateway said it cost.
/// </summary>
internal sealed class RequestMix
{
    private static readonly string[] Words =
        "amber basin cedar delta ember fjord glacier harbor island jungle kettle lagoon meadow nebula orchard prairie quarry river summit tundra upland valley willow yarrow zenith anchor beacon canyon dune estuary falcon grove heron inlet juniper kelp lichen marsh nectar oasis pebble quartz reef sierra thicket umber vapor wharf xenon yucca zephyr"
            .Split(' ');

    private readonly Scenario _scenario;
    private readonly MixEntry[] _drawn;

    public RequestMix(Scenario scenario, int count, int seed = 8)
    {
        _scenario = scenario;
        var total = scenario.Mix.Sum(m => m.Weight);
        var random = new Random(seed);
        _drawn = new MixEntry[count];
        for (var i = 0; i < count; i++)
        {
            var x = random.NextDouble() * total;
            var entry = scenario.Mix[^1];
            foreach (var m in scenario.Mix)
            {
                if ((x -= m.Weight) < 0)
                {
                    entry = m;
                    break;
                }
            }

            _drawn[i] = entry;
        }
    }

    public Func<int, CancellationToken, Task<RequestResult>> Sender(HttpClient http, string url, string salt) => async (index, cancellationToken) =>
    {
        var entry = _drawn[index];
        var tenant = entry.Tenant is { } id ? _scenario.Tenants.Single(t => t.Id == id) : _scenario.Tenants[0];
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(Body(entry, index, salt), Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenant.Key);
        if (entry.Tiers is not null)
        {
            request.Headers.Add("X-GG-Tiers", entry.Tiers);
        }

        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var tier = Header(response, "X-GG-Tier");
            var energy = Number(Header(response, "X-GG-Energy-J"));
            var carbon = Number(Header(response, "X-GG-Carbon-g"));
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (double.IsNaN(energy) && response.IsSuccessStatusCode)
            {
                (energy, carbon, tier) = FromUsage(body, tier);
            }

            return new RequestResult((int)response.StatusCode, tier, energy, carbon, tenant.Id);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            return RequestResult.Failed(tenant.Id);
        }
    };

    /// <summary>The request body; <paramref name="salt"/> keeps one run's plain questions from matching another's.</summary>
    public static string Body(MixEntry entry, int index, string salt)
    {
        var content = entry.Kind switch
        {
            RequestKind.Repeat => "Pool question " + (index % entry.Pool).ToString(CultureInfo.InvariantCulture) + ": " + Phrase(1_000_003L * (index % entry.Pool), 8),
            RequestKind.Rules => string.Create(CultureInfo.InvariantCulture, $"What is {(index % 997) + 3} + {(index % 89) + 11}?"),
            RequestKind.Hard => "Compare these designs in depth and justify each trade-off: " + Phrase(index + salt.GetHashCode(StringComparison.Ordinal), 400),
            _ => salt + " question " + index.ToString(CultureInfo.InvariantCulture) + ": " + Phrase(index + salt.GetHashCode(StringComparison.Ordinal), 10),
        };
        var stream = entry.Kind == RequestKind.Streamed;
        var maxTokens = entry.Kind == RequestKind.Hard ? Math.Max(entry.MaxTokens, 256) : entry.MaxTokens;
        var body = new Dictionary<string, object>
        {
            ["model"] = "load-model",
            ["messages"] = new[] { new { role = "user", content } },
            ["max_tokens"] = maxTokens,
            ["temperature"] = 0,
            ["stream"] = stream,
        };
        if (stream)
        {
            // The usage chunk carries a stream's energy and carbon; the gateway drops it unless asked.
            body["stream_options"] = new { include_usage = true };
        }

        return JsonSerializer.Serialize(body);
    }

    private static string Phrase(long seed, int words)
    {
        var random = new Random((int)(seed % int.MaxValue));
        var sb = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            sb.Append(Words[random.Next(Words.Length)]).Append(' ');
        }

        return sb.ToString().TrimEnd();
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static double Number(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : double.NaN;

    /// <summary>The figures of a JSON body's usage, or of a stream's last usage chunk.</summary>
    private static (double Energy, double Carbon, string? Tier) FromUsage(string body, string? tier)
    {
        var energy = double.NaN;
        var carbon = double.NaN;
        foreach (var line in body.Split('\n'))
        {
            var json = line.StartsWith("data:", StringComparison.Ordinal) ? line[5..].Trim() : line.Trim();
            if (!json.StartsWith('{') || !json.Contains("energy_joules", StringComparison.Ordinal))
            {
                continue;
            }

            using var document = JsonDocument.Parse(json);
            if (document.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                energy = usage.TryGetProperty("energy_joules", out var e) ? e.GetDouble() : energy;
                carbon = usage.TryGetProperty("carbon_gco2e", out var c) ? c.GetDouble() : carbon;
                tier ??= usage.TryGetProperty("tier", out var t) ? t.GetString() : null;
            }
        }

        return (energy, carbon, tier);
    }
}
