using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Configuration;
using GreenGateway.Core.Batches;
using GreenGateway.Core.Carbon;
using GreenGateway.Errors;
using GreenGateway.Pipeline;
using GreenGateway.Tenants;
using Microsoft.Extensions.Options;

namespace GreenGateway.Batches;

/// <summary>
/// The Batch API, the gateway's own: <c>POST /v1/batches</c>, <c>GET /v1/batches</c>, <c>GET /v1/batches/{id}</c>,
/// <c>POST /v1/batches/{id}/cancel</c>. Creating a batch reads its input file once, as strictly as live requests are
/// read: a bad line is written to the error file at once and the others wait for the runner (<see cref="BatchRunner"/>).
/// A batch belongs to the tenant that created it; another tenant's id is 404.
/// </summary>
internal static class BatchesEndpoint
{
    private static readonly string[] CreateFields = ["input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after"];

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/batches", CreateAsync);
        app.MapGet("/v1/batches", ListAsync);
        app.MapGet("/v1/batches/{id}", GetAsync);
        app.MapPost("/v1/batches/{id}/cancel", CancelAsync);
        app.Map("/v1/batches/{id}/{**rest}", (HttpContext context) => OpenAiErrors.WriteAsync(context, 404,
            $"The gateway does not serve {context.Request.Method} {context.Request.Path}.", "invalid_request_error", code: "unknown_endpoint"));
    }

    private static async Task CreateAsync(HttpContext context, IBatchStore store, IOptions<GatewayConfig> options, TimeProvider time,
        ICarbonIntensitySource intensity, IBatchRegions regions, BatchRunner runner, BatchBudget budget, Core.Budgets.IBudgetLedger ledger, IBatchObserver observer)
    {
        var settings = options.Value.Batches;
        var policy = context.Features.Get<TenantFeature>()!.Tenant;
        var tenant = policy.Id;
        var bytes = await RequestBody.ReadBytesAsync(context, 1_000_000);
        if (bytes is null)
        {
            await OpenAiErrors.WriteAsync(context, RequestBody.TooLarge(1_000_000));
            return;
        }

        var (request, invalid) = ReadCreate(bytes, settings);
        if (request is null)
        {
            await OpenAiErrors.WriteAsync(context, 400, invalid!.Value.Message, "invalid_request_error", invalid.Value.Param, invalid.Value.Code);
            return;
        }

        var file = await CallStoreAsync(context, () => store.GetFileAsync(tenant, request.InputFileId, context.RequestAborted));
        if (context.Response.HasStarted)
        {
            return;
        }

        if (file is null)
        {
            await FilesEndpoint.NotFoundAsync(context, request.InputFileId);
            return;
        }

        if (file.Purpose != "batch")
        {
            await OpenAiErrors.WriteAsync(context, 400, $"File {file.Id} has purpose '{file.Purpose}'; a batch reads a file of purpose 'batch'.", "invalid_request_error", "input_file_id", "invalid_file");
            return;
        }

        var content = await CallStoreAsync(context, () => store.GetFileContentAsync(tenant, file.Id, context.RequestAborted));
        if (content is null)
        {
            if (!context.Response.HasStarted)
            {
                await FilesEndpoint.NotFoundAsync(context, request.InputFileId);
            }

            return;
        }

        var (lines, errors) = BatchLines.Parse(content, request.Endpoint);
        var now = time.GetUtcNow();
        var id = "batch_" + Guid.NewGuid().ToString("N");
        var submission = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var model in lines.Select(l => l.Model).Distinct(StringComparer.Ordinal))
        {
            var home = regions.HomeRegion(model);
            if (!submission.ContainsKey(home))
            {
                submission[home] = (await intensity.GetAsync(home, now, context.RequestAborted)).GramsPerKwh;
            }
        }

        var batch = new BatchRecord
        {
            Id = id,
            TenantId = tenant,
            Endpoint = request.Endpoint,
            InputFileId = file.Id,
            CompletionWindow = request.CompletionWindow,
            Status = "validating",
            CreatedAt = now.ToUnixTimeSeconds(),
            ExpiresAt = (now + request.Window).ToUnixTimeSeconds(),
            Total = lines.Count + errors.Count,
            Metadata = request.Metadata,
            SubmissionIntensity = submission,
            OutputExpiresAfterSeconds = request.OutputExpiresAfter,
        };
        if (lines.Count + errors.Count == 0)
        {
            batch = batch with
            {
                Status = "failed", FailedAt = batch.CreatedAt,
                Errors = [new BatchError("empty_file", $"The input file {file.Id} holds no requests.")],
            };
        }

        if (policy.Batches.Budget == BatchBudgetMode.ReserveWhole && lines.Count > 0)
        {
            BatchHold? hold;
            Core.Requests.RequestError? refused;
            try
            {
                (hold, refused) = await budget.HoldAsync(policy, id, request.Endpoint, lines, now, context.RequestAborted);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await OpenAiErrors.WriteAsync(context, 503, "The budget ledger is unavailable; the batch was not created. Try again shortly.", "server_error", code: "ledger_unavailable");
                return;
            }

            if (refused is not null)
            {
                await OpenAiErrors.WriteAsync(context, refused);
                return;
            }

            batch = batch with { Hold = hold };
        }

        bool? saved = null;
        try
        {
            saved = await CallStoreAsync<bool?>(context, async () =>
            {
                // The bad lines' results first, so that a batch is never seen without them.
                foreach (var error in errors)
                {
                    await store.TryAddResultAsync(id, new BatchLineResult(error.Index, error.CustomId ?? "", false,
                        BatchExecutor.ErrorLine(error.CustomId, error.Code, error.Message), 0, 0, 0), context.RequestAborted);
                }

                batch = batch with { Failed = errors.Count };
                await store.SaveBatchAsync(batch, active: !batch.IsTerminal, context.RequestAborted);
                return true;
            });
        }
        finally
        {
            // A batch that was not stored never runs: its hold goes back at once.
            if (saved is not true && batch.Hold is { } unused)
            {
                await ledger.SettleAsync(unused.AsReservation(tenant), Core.Budgets.EnergyCarbon.Zero, CancellationToken.None);
            }
        }

        if (saved is not true)
        {
            return;
        }

        observer.BatchCreated(batch);
        runner.Wake();
        await FilesEndpoint.WriteAsync(context, BatchObjects.Batch(batch, cancelRequested: false));
    }

    private static async Task GetAsync(HttpContext context, string id, IBatchStore store)
    {
        if (await FindAsync(context, id, store) is { } found)
        {
            await FilesEndpoint.WriteAsync(context, BatchObjects.Batch(found.Batch, found.Cancelling));
        }
    }

    /// <summary>The tenant's batches, newest first, <c>limit</c> (1-100, default 20) at a time after <c>after</c>.</summary>
    private static async Task ListAsync(HttpContext context, IBatchStore store)
    {
        var tenant = context.Features.Get<TenantFeature>()!.Tenant.Id;
        var query = context.Request.Query;
        var limit = query["limit"].Count == 0 ? 20 : int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : -1;
        if (limit is < 1 or > 100)
        {
            await OpenAiErrors.WriteAsync(context, 400, "'limit' must be from 1 to 100.", "invalid_request_error", "limit", "invalid_value");
            return;
        }

        if (await CallStoreAsync(context, () => store.ListBatchesAsync(tenant, context.RequestAborted)) is not { } batches)
        {
            return;
        }

        var after = query["after"].ToString();
        var start = 0;
        if (after.Length > 0)
        {
            start = batches.Select((b, i) => (b, i)).FirstOrDefault(x => x.b.Id == after, (null!, -1)).Item2 + 1;
        }

        var page = batches.Skip(start).Take(limit).ToList();
        var data = new JsonArray();
        foreach (var batch in page)
        {
            data.Add(BatchObjects.Batch(batch, cancelRequested: false));
        }

        await FilesEndpoint.WriteAsync(context, new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["first_id"] = page.Count > 0 ? page[0].Id : null,
            ["last_id"] = page.Count > 0 ? page[^1].Id : null,
            ["has_more"] = start + page.Count < batches.Count,
        });
    }

    /// <summary>Asks the batch's runner to stop: it starts no request after it sees the flag (before each one) and writes what finished.</summary>
    private static async Task CancelAsync(HttpContext context, string id, IBatchStore store, TimeProvider time)
    {
        if (await FindAsync(context, id, store) is not { } found)
        {
            return;
        }

        var batch = found.Batch;
        if (batch.IsTerminal)
        {
            await OpenAiErrors.WriteAsync(context, 409, $"Batch {id} is {batch.Status}; only a batch that has not ended can be cancelled.", "invalid_request_error", "id", "batch_not_cancellable");
            return;
        }

        if (await CallStoreAsync<bool?>(context, async () => { await store.RequestCancelAsync(id, context.RequestAborted); return true; }) is not true)
        {
            return;
        }

        await FilesEndpoint.WriteAsync(context, BatchObjects.Batch(batch with { CancellingAt = batch.CancellingAt ?? time.GetUtcNow().ToUnixTimeSeconds() }, cancelRequested: true));
    }

    private static async Task<(BatchRecord Batch, bool Cancelling)?> FindAsync(HttpContext context, string id, IBatchStore store)
    {
        var tenant = context.Features.Get<TenantFeature>()!.Tenant.Id;
        var found = await CallStoreAsync<(BatchRecord Batch, bool Cancelling)?>(context, async () =>
        {
            var batch = await store.GetBatchAsync(id, context.RequestAborted);
            return batch is null || batch.TenantId != tenant ? null : (Batch: batch, Cancelling: await store.IsCancelRequestedAsync(id, context.RequestAborted));
        });
        if (found is null && !context.Response.HasStarted)
        {
            await OpenAiErrors.WriteAsync(context, 404, $"No such Batch object: {id}", "invalid_request_error", "id", "batch_not_found");
        }

        return found;
    }

    /// <summary>A call to the store; default, with a 503 written, when the store fails.</summary>
    public static async Task<T?> CallStoreAsync<T>(HttpContext context, Func<ValueTask<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await OpenAiErrors.WriteAsync(context, 503, "The store of files and batches is unavailable. Try again shortly.", "server_error", code: "batch_store_unavailable");
            return default;
        }
    }

    private sealed record CreateRequest(string InputFileId, string Endpoint, string CompletionWindow, TimeSpan Window, Dictionary<string, string> Metadata, long? OutputExpiresAfter);

    private readonly record struct Invalid(string Message, string? Param, string Code);

    private static (CreateRequest?, Invalid?) ReadCreate(byte[] bytes, BatchSettings settings)
    {
        JsonObject? body;
        try
        {
            body = JsonNode.Parse(bytes) as JsonObject;
        }
        catch (JsonException e)
        {
            return (null, new Invalid($"The body is not valid JSON: {e.Message}", null, "invalid_json"));
        }

        if (body is null)
        {
            return (null, new Invalid("The body must be a JSON object.", null, "invalid_request"));
        }

        foreach (var (name, _) in body)
        {
            if (Array.IndexOf(CreateFields, name) < 0)
            {
                return (null, new Invalid($"Unrecognized request argument supplied: {name}", name, "unknown_parameter"));
            }
        }

        if (!TryString(body, "input_file_id", out var input))
        {
            return (null, new Invalid("'input_file_id' is required: the id of an uploaded file of purpose 'batch'.", "input_file_id", "missing_required_parameter"));
        }

        if (!TryString(body, "endpoint", out var endpoint) || BatchLines.KindOf(endpoint) is null)
        {
            return (null, new Invalid($"'endpoint' must be one of {string.Join(", ", BatchLines.Endpoints)}.", "endpoint", "invalid_value"));
        }

        if (!TryString(body, "completion_window", out var window) || !window.EndsWith('h')
            || !int.TryParse(window.AsSpan(0, window.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var hours)
            || hours < 1 || hours > settings.MaxCompletionWindowHours)
        {
            return (null, new Invalid($"'completion_window' must be '24h' (or whole hours from '1h' to '{settings.MaxCompletionWindowHours}h').", "completion_window", "invalid_value"));
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (body["metadata"] is { } node)
        {
            if (node is not JsonObject map || map.Count > 16)
            {
                return (null, new Invalid("'metadata' is an object of at most 16 string pairs.", "metadata", "invalid_value"));
            }

            foreach (var (key, value) in map)
            {
                if (key.Length > 64 || key.StartsWith("gg_", StringComparison.Ordinal) || value is not JsonValue v || v.GetValueKind() != JsonValueKind.String
                    || v.GetValue<string>().Length > 512)
                {
                    return (null, new Invalid($"metadata['{key}']: keys are at most 64 characters (not starting with gg_, the gateway's), values strings of at most 512.", "metadata", "invalid_value"));
                }

                metadata[key] = v.GetValue<string>();
            }
        }

        long? outputExpires = null;
        if (body["output_expires_after"] is { } expiresNode)
        {
            if (expiresNode is not JsonObject expires || expires.Count != 2
                || !FilesEndpoint.TryExpiry(Text(expires["anchor"]), Text(expires["seconds"]), out var seconds))
            {
                return (null, new Invalid(FilesEndpoint.ExpiryRule("output_expires_after"), "output_expires_after", "invalid_value"));
            }

            outputExpires = seconds;
        }

        return (new CreateRequest(input, endpoint, window, TimeSpan.FromHours(hours), metadata, outputExpires), null);
    }

    /// <summary>A JSON string's or whole number's text; null for anything else.</summary>
    private static string? Text(JsonNode? node) => node is JsonValue value
        ? value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.Number => value.ToJsonString(),
            _ => null,
        }
        : null;

    private static bool TryString(JsonObject body, string name, out string value)
    {
        if (body[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { Length: > 0 } text)
        {
            value = text;
            return true;
        }

        value = "";
        return false;
    }
}
