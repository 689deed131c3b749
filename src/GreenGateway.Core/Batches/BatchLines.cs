using System.Text.Json;
using GreenGateway.Core.Requests;

namespace GreenGateway.Core.Batches;

/// <summary>One valid request of a batch's input file: its line index, <c>custom_id</c>, model and body (validated as a live request's).</summary>
public sealed record BatchLine(int Index, string CustomId, string Model, byte[] Body);

/// <summary>A line that cannot run, reported in the error file: its index, <c>custom_id</c> where it had one, and why.</summary>
public sealed record BatchLineError(int Index, string? CustomId, string Code, string Message);

/// <summary>
/// Reads a batch's input file (JSONL: <c>{"custom_id", "method": "POST", "url", "body"}</c> per line, as OpenAI's Batch API
/// takes it). Each line is checked as strictly as a live request: its body goes through <see cref="OpenAiRequest.TryParse"/>
/// for the batch's endpoint. A bad line is an error of that line, not of the batch. The same file always reads the same
/// way, so that a runner that restarts finds the same lines under the same indices.
/// </summary>
public static class BatchLines
{
    public static readonly string[] Endpoints = ["/v1/chat/completions", "/v1/completions", "/v1/embeddings"];

    public static ApiKind? KindOf(string endpoint) => endpoint switch
    {
        "/v1/chat/completions" => ApiKind.ChatCompletions,
        "/v1/completions" => ApiKind.Completions,
        "/v1/embeddings" => ApiKind.Embeddings,
        _ => null,
    };

    /// <summary>The file's lines (empty lines skipped, as OpenAI does), valid or not.</summary>
    public static (List<BatchLine> Lines, List<BatchLineError> Errors) Parse(ReadOnlySpan<byte> content, string endpoint)
    {
        var kind = KindOf(endpoint) ?? throw new ArgumentException($"not a batch endpoint: {endpoint}", nameof(endpoint));
        var lines = new List<BatchLine>();
        var errors = new List<BatchLineError>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        while (!content.IsEmpty)
        {
            var end = content.IndexOf((byte)'\n');
            var line = end < 0 ? content : content[..end];
            content = end < 0 ? [] : content[(end + 1)..];
            if (line.Length > 0 && line[^1] == '\r')
            {
                line = line[..^1];
            }

            if (line.Trim(" \t"u8).IsEmpty)
            {
                continue;
            }

            var (parsed, error) = ParseLine(line, index, endpoint, kind, seen);
            if (parsed is not null)
            {
                lines.Add(parsed);
            }
            else
            {
                errors.Add(error!);
            }

            index++;
        }

        return (lines, errors);
    }

    /// <summary>The number of lines <see cref="Parse"/> would index (the non-empty ones).</summary>
    public static int Count(ReadOnlySpan<byte> content)
    {
        var count = 0;
        while (!content.IsEmpty)
        {
            var end = content.IndexOf((byte)'\n');
            var line = end < 0 ? content : content[..end];
            content = end < 0 ? [] : content[(end + 1)..];
            if (!line.Trim(" \t\r"u8).IsEmpty)
            {
                count++;
            }
        }

        return count;
    }

    private static (BatchLine?, BatchLineError?) ParseLine(ReadOnlySpan<byte> line, int index, string endpoint, ApiKind kind, HashSet<string> seen)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line.ToArray());
        }
        catch (JsonException e)
        {
            return (null, new BatchLineError(index, null, "invalid_json_line", $"Line {index + 1} is not valid JSON: {e.Message}"));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, new BatchLineError(index, null, "invalid_request", $"Line {index + 1} must be a JSON object with custom_id, method, url and body."));
            }

            string? customId = root.TryGetProperty("custom_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name is not ("custom_id" or "method" or "url" or "body"))
                {
                    return (null, new BatchLineError(index, customId, "invalid_request", $"Line {index + 1}: unknown field '{property.Name}' (custom_id, method, url, body)."));
                }
            }

            if (customId is not { Length: > 0 and <= 512 })
            {
                return (null, new BatchLineError(index, customId, "missing_required_parameter", $"Line {index + 1}: custom_id must be a non-empty string of at most 512 characters."));
            }

            if (!root.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String || method.GetString() != "POST")
            {
                return (null, new BatchLineError(index, customId, "invalid_request", $"Line {index + 1}: method must be \"POST\"."));
            }

            if (!root.TryGetProperty("url", out var url) || url.ValueKind != JsonValueKind.String || url.GetString() != endpoint)
            {
                return (null, new BatchLineError(index, customId, "mismatched_endpoint", $"Line {index + 1}: url must be the batch's endpoint, {endpoint}."));
            }

            if (!root.TryGetProperty("body", out var body) || body.ValueKind != JsonValueKind.Object)
            {
                return (null, new BatchLineError(index, customId, "invalid_request", $"Line {index + 1}: body must be a JSON object, the request."));
            }

            var bytes = System.Text.Encoding.UTF8.GetBytes(body.GetRawText());
            if (!OpenAiRequest.TryParse(bytes, kind, out var request, out var invalid))
            {
                var field = invalid!.Param is { } param ? $" ({param})" : "";
                return (null, new BatchLineError(index, customId, invalid.Code ?? "invalid_request", $"Line {index + 1}{field}: {invalid.Message}"));
            }

            if (request!.Stream)
            {
                return (null, new BatchLineError(index, customId, "invalid_request", $"Line {index + 1}: a batch request cannot stream (body.stream)."));
            }

            if (!seen.Add(customId))
            {
                return (null, new BatchLineError(index, customId, "duplicate_custom_id", $"Line {index + 1}: custom_id '{customId}' is used by an earlier line; each must be unique."));
            }

            return (new BatchLine(index, customId, request.Model, bytes), null);
        }
    }
}
