using System.Text.Json;
using System.Text.Json.Nodes;

namespace GreenGateway.Core.Responses;

/// <summary>
/// A response of the Responses API kept for its tenant (<c>store</c>, true by default): the response object as the client
/// got it (with the gateway's figures), and the input items it answered (after any continuation, the whole conversation
/// before it). <c>GET /v1/responses/{id}</c> returns the one, <c>previous_response_id</c> continues from both.
/// </summary>
/// <param name="Id">The response's id (<c>resp_...</c>: the gateway's own, or the upstream's where it serves the API).</param>
/// <param name="TenantId">The only tenant that may read, continue or delete it.</param>
/// <param name="ResponseJson">The response object, compact JSON.</param>
/// <param name="InputJson">The input items, a compact JSON array.</param>
public sealed record StoredResponse(string Id, string TenantId, string ResponseJson, string InputJson)
{
    /// <summary>
    /// The items a continuation starts from: the input, then the output items a request may carry again (messages and
    /// function calls, without their item ids; reasoning and server-side tool items are the upstream's and are left out).
    /// </summary>
    public JsonArray Conversation()
    {
        var items = JsonNode.Parse(InputJson) as JsonArray ?? [];
        if (JsonNode.Parse(ResponseJson)?["output"] is not JsonArray output)
        {
            return items;
        }

        foreach (var node in output)
        {
            if (node is not JsonObject item || item["type"]?.GetValueKind() != JsonValueKind.String)
            {
                continue;
            }

            switch (item["type"]!.GetValue<string>())
            {
                case "message":
                    items.Add(new JsonObject { ["type"] = "message", ["role"] = item["role"]?.DeepClone() ?? "assistant", ["content"] = item["content"]?.DeepClone() });
                    break;
                case "function_call":
                    items.Add(new JsonObject
                    {
                        ["type"] = "function_call",
                        ["call_id"] = item["call_id"]?.DeepClone(),
                        ["name"] = item["name"]?.DeepClone(),
                        ["arguments"] = item["arguments"]?.DeepClone(),
                    });
                    break;
            }
        }

        return items;
    }
}

/// <summary>
/// Where stored responses live: in process (<see cref="InMemoryResponseStore"/>), or in Redis so that every replica
/// continues any conversation. Each expires <see cref="ResponseStoreOptions.Ttl"/> after it was stored, and is visible
/// only to the tenant that made it: another tenant's id reads as absent.
/// </summary>
public interface IResponseStore
{
    ValueTask SaveAsync(StoredResponse response, CancellationToken cancellationToken);

    /// <summary>The tenant's response with this id; null when there is none (expired, deleted, another tenant's).</summary>
    ValueTask<StoredResponse?> GetAsync(string tenantId, string id, CancellationToken cancellationToken);

    /// <summary>Deletes the tenant's response; false when it had none with this id.</summary>
    ValueTask<bool> DeleteAsync(string tenantId, string id, CancellationToken cancellationToken);
}

/// <summary>How long stored responses are kept, and how many the in-process store holds.</summary>
public sealed record ResponseStoreOptions
{
    /// <summary>How long a stored response is kept. Default 30 days, as OpenAI keeps response objects ("Conversation
    /// state", OpenAI platform docs: "Response objects are saved for 30 days by default").</summary>
    public TimeSpan Ttl { get; init; } = TimeSpan.FromDays(30);

    /// <summary>The most responses the in-process store holds; the oldest go first past it. Default 10,000.</summary>
    public int MaxInMemory { get; init; } = 10_000;
}
