using System.Text.Json;
using GreenGateway.Tenants;
using GreenGateway.Upstreams;

namespace GreenGateway.Endpoints;

/// <summary><c>GET /v1/models</c>: the models this tenant may ask for, in OpenAI's list shape.</summary>
internal static class ModelsEndpoint
{
    public static async Task HandleAsync(HttpContext context, ModelCatalog catalog, ModelDiscovery discovery)
    {
        await discovery.WaitForFirstAsync(TimeSpan.FromSeconds(10), context.RequestAborted);
        var tenant = context.Features.Get<TenantFeature>()!.Tenant;
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("object", "list");
        json.WriteStartArray("data");
        foreach (var (model, upstream) in catalog.List())
        {
            if (!tenant.AllowsModel(model))
            {
                continue;
            }

            json.WriteStartObject();
            json.WriteString("id", model);
            json.WriteString("object", "model");
            json.WriteNumber("created", 0);
            json.WriteString("owned_by", upstream);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
