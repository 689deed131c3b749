using System.Text.Json.Nodes;
using GreenGateway.Configuration;
using GreenGateway.Core.Batches;
using GreenGateway.Errors;
using GreenGateway.Tenants;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace GreenGateway.Batches;

/// <summary>
/// The Files API for batches, the gateway's own (never an upstream's): <c>POST /v1/files</c> (multipart, purpose
/// <c>batch</c>, at most <c>Batches.MaxFileBytes</c> and <c>Batches.MaxLines</c>), <c>GET /v1/files</c>,
/// <c>GET /v1/files/{id}</c>, <c>GET /v1/files/{id}/content</c>, <c>DELETE /v1/files/{id}</c>. A file belongs to the tenant
/// that uploaded it (or whose batch wrote it); another tenant's id is 404, as an unknown one.
/// </summary>
internal static class FilesEndpoint
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/files", UploadAsync);
        app.MapGet("/v1/files", ListAsync);
        app.MapGet("/v1/files/{id}", GetAsync);
        app.MapGet("/v1/files/{id}/content", ContentAsync);
        app.MapDelete("/v1/files/{id}", DeleteAsync);
        app.Map("/v1/files/{id}/{**rest}", NotServedAsync);
    }

    private static async Task UploadAsync(HttpContext context, IBatchStore store, IOptions<GatewayConfig> options, TimeProvider time)
    {
        var settings = options.Value.Batches;
        var tenant = context.Features.Get<TenantFeature>()!.Tenant.Id;
        if (!context.Request.HasFormContentType)
        {
            await OpenAiErrors.WriteAsync(context, 400, "Upload a file as multipart/form-data with the fields 'file' and 'purpose'.", "invalid_request_error", "file", "invalid_request");
            return;
        }

        // The form's parts (the file, the purpose, their headers) may take a little more than the file itself.
        var limit = settings.MaxFileBytes + 65_536;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = limit, ValueLengthLimit = 1024 }, context.RequestAborted);
        }
        catch (Exception e) when (e is BadHttpRequestException { StatusCode: 413 } or InvalidDataException)
        {
            await TooLargeAsync(context, settings, e is InvalidDataException && !e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase));
            return;
        }

        var purpose = form["purpose"].ToString();
        if (purpose != "batch")
        {
            await OpenAiErrors.WriteAsync(context, 400, $"The gateway keeps files for batches only: purpose must be 'batch', not '{purpose}'.", "invalid_request_error", "purpose", "invalid_value");
            return;
        }

        if (!TryExpiresAfter(form, out var expiresAfter, out var invalid))
        {
            await OpenAiErrors.WriteAsync(context, 400, invalid!, "invalid_request_error", "expires_after", "invalid_value");
            return;
        }

        if (form.Files.GetFile("file") is not { } upload)
        {
            await OpenAiErrors.WriteAsync(context, 400, "The form has no 'file' part.", "invalid_request_error", "file", "missing_required_parameter");
            return;
        }

        if (upload.Length > settings.MaxFileBytes)
        {
            await TooLargeAsync(context, settings, malformed: false);
            return;
        }

        var bytes = new byte[upload.Length];
        await using (var stream = upload.OpenReadStream())
        {
            await stream.ReadExactlyAsync(bytes, context.RequestAborted);
        }

        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            await OpenAiErrors.WriteAsync(context, 400, "A batch file is JSONL in UTF-8; this one is not valid UTF-8.", "invalid_request_error", "file", "invalid_file");
            return;
        }

        var lines = BatchLines.Count(bytes);
        if (lines > settings.MaxLines)
        {
            await OpenAiErrors.WriteAsync(context, 400, $"A batch file holds at most {settings.MaxLines} requests; this one has {lines}.", "invalid_request_error", "file", "too_many_lines");
            return;
        }

        var createdAt = time.GetUtcNow().ToUnixTimeSeconds();
        var file = new StoredFile
        {
            Id = "file-" + Guid.NewGuid().ToString("N"),
            TenantId = tenant,
            Filename = Path.GetFileName(upload.FileName) is { Length: > 0 } name ? name : "batch.jsonl",
            Purpose = purpose,
            Bytes = bytes.Length,
            CreatedAt = createdAt,
            ExpiresAt = createdAt + expiresAfter,
        };
        if (await BatchesEndpoint.CallStoreAsync<bool?>(context, async () => { await store.SaveFileAsync(file, bytes, context.RequestAborted); return true; }) is not true)
        {
            return;
        }

        await WriteAsync(context, BatchObjects.File(file));
    }

    /// <summary>
    /// OpenAI's <c>expires_after</c> (https://platform.openai.com/docs/api-reference/files/create): <c>anchor</c>
    /// <c>created_at</c> and <c>seconds</c> from 3600 (an hour) to 2592000 (30 days), as the form fields
    /// <c>expires_after[anchor]</c> and <c>expires_after[seconds]</c>. None: the file is kept until deleted.
    /// </summary>
    private static bool TryExpiresAfter(IFormCollection form, out long? seconds, out string? invalid)
    {
        seconds = null;
        invalid = null;
        var anchor = form["expires_after[anchor]"].ToString();
        var text = form["expires_after[seconds]"].ToString();
        if (anchor.Length == 0 && text.Length == 0)
        {
            return true;
        }

        if (!TryExpiry(anchor, text, out var value))
        {
            invalid = ExpiryRule("expires_after");
            return false;
        }

        seconds = value;
        return true;
    }

    /// <summary>An <c>expires_after</c> (a file's, or a batch's <c>output_expires_after</c>): anchor <c>created_at</c>, 3600 to 2592000 seconds.</summary>
    public static bool TryExpiry(string? anchor, string? seconds, out long value) =>
        long.TryParse(seconds, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value)
        && anchor == "created_at" && value is >= 3600 and <= 2_592_000;

    public static string ExpiryRule(string name) =>
        $"'{name}' is {{\"anchor\": \"created_at\", \"seconds\": N}} with N from 3600 (1 hour) to 2592000 (30 days).";

    private static async Task ListAsync(HttpContext context, IBatchStore store)
    {
        var tenant = context.Features.Get<TenantFeature>()!.Tenant.Id;
        if (await BatchesEndpoint.CallStoreAsync(context, () => store.ListFilesAsync(tenant, context.RequestAborted)) is not { } files)
        {
            return;
        }

        var purpose = context.Request.Query["purpose"].ToString();
        var data = new JsonArray();
        foreach (var file in files)
        {
            if (purpose.Length == 0 || file.Purpose == purpose)
            {
                data.Add(BatchObjects.File(file));
            }
        }

        await WriteAsync(context, new JsonObject { ["object"] = "list", ["data"] = data, ["has_more"] = false });
    }

    private static async Task GetAsync(HttpContext context, string id, IBatchStore store)
    {
        if (await FindAsync(context, id, store) is { } file)
        {
            await WriteAsync(context, BatchObjects.File(file));
        }
    }

    private static async Task ContentAsync(HttpContext context, string id, IBatchStore store)
    {
        var tenant = context.Features.Get<TenantFeature>()!.Tenant.Id;
        var content = await BatchesEndpoint.CallStoreAsync(context, () => store.GetFileContentAsync(tenant, id, context.RequestAborted));
        if (context.Response.HasStarted || context.Response.StatusCode != 200)
        {
            return;
        }

        if (content is null)
        {
            await NotFoundAsync(context, id);
            return;
        }

        context.Response.ContentType = "application/jsonl";
        context.Response.ContentLength = content.Length;
        await context.Response.Body.WriteAsync(content, context.RequestAborted);
    }

    private static async Task DeleteAsync(HttpContext context, string id, IBatchStore store)
    {
        var tenant = context.Features.Get<TenantFeature>()!.Tenant.Id;
        var deleted = await BatchesEndpoint.CallStoreAsync<bool?>(context, async () => await store.DeleteFileAsync(tenant, id, context.RequestAborted));
        if (deleted is null)
        {
            return;
        }

        if (deleted == false)
        {
            await NotFoundAsync(context, id);
            return;
        }

        await WriteAsync(context, new JsonObject { ["id"] = id, ["object"] = "file", ["deleted"] = true });
    }

    private static async Task<StoredFile?> FindAsync(HttpContext context, string id, IBatchStore store)
    {
        var tenant = context.Features.Get<TenantFeature>()!.Tenant.Id;
        var found = await BatchesEndpoint.CallStoreAsync(context, () => store.GetFileAsync(tenant, id, context.RequestAborted));
        if (found is null && !context.Response.HasStarted && context.Response.StatusCode == 200)
        {
            await NotFoundAsync(context, id);
        }

        return found;
    }

    public static Task NotFoundAsync(HttpContext context, string id) =>
        OpenAiErrors.WriteAsync(context, 404, $"No such File object: {id}", "invalid_request_error", "id", "file_not_found");

    private static Task TooLargeAsync(HttpContext context, BatchSettings settings, bool malformed) => malformed
        ? OpenAiErrors.WriteAsync(context, 400, "The multipart form could not be read.", "invalid_request_error", "file", "invalid_request")
        : OpenAiErrors.WriteAsync(context, 413, $"The file is larger than the gateway accepts ({settings.MaxFileBytes} bytes).", "invalid_request_error", "file", "file_too_large");

    private static Task NotServedAsync(HttpContext context) =>
        OpenAiErrors.WriteAsync(context, 404, $"The gateway does not serve {context.Request.Method} {context.Request.Path}.", "invalid_request_error", code: "unknown_endpoint");

    public static async Task WriteAsync(HttpContext context, JsonObject body)
    {
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
