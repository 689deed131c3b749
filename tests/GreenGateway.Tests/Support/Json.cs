using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace GreenGateway.Tests.Support;

internal static class Json
{
    public static StringContent Body(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    public static string Chat(string model, bool stream = false, string extra = "") =>
        $$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Say hello to the gateway"}]{{extra}}}""";

    public static async Task<JsonObject> ReadObjectAsync(HttpResponseMessage response) =>
        (JsonObject)(await response.Content.ReadFromJsonAsync<JsonNode>())!;

    /// <summary>The day window's reserved joules in /v1/usage (the tenant's requests in flight).</summary>
    public static async Task<double> ReservedJoulesAsync(HttpClient client)
    {
        var usage = await ReadObjectAsync(await client.GetAsync("/v1/usage"));
        foreach (var window in usage["windows"]!.AsArray())
        {
            if (window!["window"]!.GetValue<string>() == "day")
            {
                return window["reserved_energy_joules"]!.GetValue<double>();
            }
        }

        throw new InvalidOperationException("no day window in /v1/usage");
    }

    /// <summary>
    /// Waits until the tenant holds no reservation: a failed request releases its reservation in its <c>finally</c>, which
    /// may run just after the client has read the error. Fails when one is still held after 10 s.
    /// </summary>
    public static async Task AssertNothingReservedAsync(HttpClient client)
    {
        var reserved = 0.0;
        for (var attempt = 0; attempt < 200; attempt++)
        {
            reserved = await ReservedJoulesAsync(client);
            if (Math.Abs(reserved) < 1e-6)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"{reserved} J still reserved");
    }

    /// <summary>The tenant's consumed joules in the day window, from GET /v1/usage.</summary>
    public static async Task<double> ConsumedJoulesAsync(HttpClient client)
    {
        var usage = await ReadObjectAsync(await client.GetAsync("/v1/usage"));
        foreach (var window in usage["windows"]!.AsArray())
        {
            if (window!["window"]!.GetValue<string>() == "day")
            {
                return window["energy_joules"]!.GetValue<double>();
            }
        }

        throw new InvalidOperationException("no day window in /v1/usage");
    }
}
