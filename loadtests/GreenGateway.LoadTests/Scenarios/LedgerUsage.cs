using System.Net.Http.Headers;
using System.Text.Json;

namespace GreenGateway.LoadTests.Scenarios;

/// <summary>A tenant's window as the gateway's ledger reports it (GET /v1/usage): consumed, still reserved, and the limit, in joules.</summary>
internal sealed record LedgerUsage(string Window, double ConsumedJ, double ReservedJ, double? LimitJ)
{
    public static async Task<LedgerUsage> ReadAsync(HttpClient http, string gateway, TenantSetup tenant, string window)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway + "/v1/usage");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenant.Key);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        foreach (var w in json.RootElement.GetProperty("windows").EnumerateArray())
        {
            if (w.GetProperty("window").GetString() == window)
            {
                var limit = w.GetProperty("limit_energy_wh");
                return new LedgerUsage(
                    window,
                    w.GetProperty("energy_joules").GetDouble(),
                    w.GetProperty("reserved_energy_joules").GetDouble(),
                    limit.ValueKind == JsonValueKind.Number ? limit.GetDouble() * 3600 : null);
            }
        }

        throw new InvalidOperationException($"/v1/usage has no '{window}' window for {tenant.Id}");
    }
}
