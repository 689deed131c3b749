using System.Text.Json.Nodes;
using GreenGateway.Core.Responses;
using GreenGateway.Errors;
using GreenGateway.Pipeline;
using GreenGateway.Tenants;

namespace GreenGateway.Endpoints;

/// <summary>
/// The stored responses of the Responses API, the gateway's own (never an upstream's): <c>GET /v1/responses/{id}</c>,
/// <c>DELETE /v1/responses/{id}</c> and <c>GET /v1/responses/{id}/input_items</c>, each for the calling tenant's
/// responses only (another tenant's id is 404, as an unknown one). Anything else under <c>/v1/responses/</c> is 404.
/// </summary>
internal static class ResponsesEndpoint
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/responses/{id}", GetAsync);
        app.MapDelete("/v1/responses/{id}", DeleteAsync);
        app.MapGet("/v1/responses/{id}/input_items", InputItemsAsync);
        app.Map("/v1/responses/{id}/{**rest}", NotServedAsync);
    }

    private static async Task GetAsync(HttpContext context, string id, IResponseStore store)
    {
        if (await FindAsync(context, id, store) is not { } stored)
        {
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(stored.ResponseJson, context.RequestAborted);
    }

    private static async Task DeleteAsync(HttpContext context, string id, IResponseStore store)
    {
        var tenant = context.Features.Get<TenantFeature>()!.Tenant.Id;
        var (ok, deleted) = await CallStoreAsync(context, () => store.DeleteAsync(tenant, id, context.RequestAborted));
        if (!ok)
        {
            return;
        }

        if (!deleted)
        {
            await OpenAiErrors.WriteAsync(context, ResponseConversations.NotFound(id, null));
            return;
        }

        await context.Response.WriteAsJsonAsync(new JsonObject { ["id"] = id, ["object"] = "response", ["deleted"] = true }, context.RequestAborted);
    }

    /// <summary>The response's input items (the whole conversation before it), newest first unless <c>order=asc</c>, <c>limit</c> (1-100, default 20) at a time after <c>after</c>.</summary>
    private static async Task InputItemsAsync(HttpContext context, string id, IResponseStore store)
    {
        if (await FindAsync(context, id, store) is not { } stored)
        {
            return;
        }

        var query = context.Request.Query;
        var limit = int.TryParse(query["limit"], out var l) ? l : 20;
        var order = query["order"].ToString() is { Length: > 0 } o ? o : "desc";
        if (limit is < 1 or > 100 || order is not ("asc" or "desc"))
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status400BadRequest, "'limit' must be 1 to 100 and 'order' asc or desc.", "invalid_request_error",
                limit is < 1 or > 100 ? "limit" : "order", "invalid_value");
            return;
        }

        var items = JsonNode.Parse(stored.InputJson) as JsonArray ?? [];
        var listed = new List<JsonObject>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is JsonObject item)
            {
                var copy = item.DeepClone().AsObject();
                copy["id"] ??= $"{stored.Id}_item_{i}";
                listed.Add(copy);
            }
        }

        if (order == "desc")
        {
            listed.Reverse();
        }

        var after = query["after"].ToString();
        var start = after.Length == 0 ? 0 : listed.FindIndex(item => item["id"]?.GetValue<string>() == after) + 1;
        var page = listed.Skip(start).Take(limit).ToList();
        var list = new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray([.. page]),
            ["first_id"] = page.Count > 0 ? page[0]["id"]!.DeepClone() : null,
            ["last_id"] = page.Count > 0 ? page[^1]["id"]!.DeepClone() : null,
            ["has_more"] = start + page.Count < listed.Count,
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(list.ToJsonString(), context.RequestAborted);
    }

    private static Task NotServedAsync(HttpContext context) =>
        OpenAiErrors.WriteAsync(context, StatusCodes.Status404NotFound, $"The gateway does not serve {context.Request.Method} {context.Request.Path}.",
            "invalid_request_error", code: "unknown_endpoint");

    /// <summary>The calling tenant's stored response, or null once the 404 (or 503) is written.</summary>
    private static async Task<StoredResponse?> FindAsync(HttpContext context, string id, IResponseStore store)
    {
        var tenant = context.Features.Get<TenantFeature>()!.Tenant.Id;
        var (ok, found) = await CallStoreAsync(context, () => store.GetAsync(tenant, id, context.RequestAborted));
        if (!ok)
        {
            return null;
        }

        if (found is { } stored)
        {
            return stored;
        }

        await OpenAiErrors.WriteAsync(context, ResponseConversations.NotFound(id, null));
        return null;
    }

    /// <summary>A call to the store; not ok, with a 503 written, when the store fails.</summary>
    private static async Task<(bool Ok, T? Value)> CallStoreAsync<T>(HttpContext context, Func<ValueTask<T>> call)
    {
        try
        {
            return (true, await call());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The store of responses is unavailable. Try again shortly.",
                "server_error", code: "response_store_unavailable");
            return (false, default);
        }
    }
}
