using System.Text.Json;
using GreenGateway.Core.Budgets;
using GreenGateway.Tenants;

namespace GreenGateway.Endpoints;

/// <summary><c>GET /v1/usage</c>: the calling tenant's consumption and remaining budget in each window.</summary>
internal static class UsageEndpoint
{
    public static async Task HandleAsync(HttpContext context, IBudgetLedger ledger, TimeProvider time)
    {
        var tenant = context.Features.Get<TenantFeature>()!.Tenant;
        var now = time.GetUtcNow();
        var windows = await ledger.GetUsageAsync(tenant.Id, now, context.RequestAborted);
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("object", "usage");
        json.WriteString("tenant", tenant.Id);
        json.WriteString("at", now);
        json.WriteStartArray("windows");
        foreach (var usage in windows)
        {
            var limit = tenant.Limits.FirstOrDefault(l => l.Window == usage.Span.Window);
            json.WriteStartObject();
            json.WriteString("window", usage.Span.Window.ToString().ToLowerInvariant());
            json.WriteString("start", usage.Span.Start);
            json.WriteString("end", usage.Span.End);
            json.WriteNumber("energy_joules", usage.Consumed.Joules);
            json.WriteNumber("energy_wh", usage.Consumed.WattHours);
            json.WriteNumber("carbon_gco2e", usage.Consumed.GramsCo2e);
            json.WriteNumber("reserved_energy_joules", usage.Reserved.Joules);
            json.WriteNumber("reserved_carbon_gco2e", usage.Reserved.GramsCo2e);
            WriteLimit(json, "energy_wh", limit?.EnergyJoules / 3600.0, (usage.Consumed.Joules + usage.Reserved.Joules) / 3600.0);
            WriteLimit(json, "carbon_gco2e", limit?.CarbonGrams, usage.Consumed.GramsCo2e + usage.Reserved.GramsCo2e);
            json.WriteBoolean("exhausted", limit?.IsSpent(usage.Consumed + usage.Reserved) ?? false);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteLimit(Utf8JsonWriter json, string name, double? limit, double used)
    {
        if (limit is { } value)
        {
            json.WriteNumber($"limit_{name}", value);
            json.WriteNumber($"remaining_{name}", Math.Max(0, value - used));
        }
        else
        {
            json.WriteNull($"limit_{name}");
            json.WriteNull($"remaining_{name}");
        }
    }
}
