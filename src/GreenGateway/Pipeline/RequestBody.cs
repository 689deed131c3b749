using System.Buffers;
using GreenGateway.Core.Requests;
using GreenGateway.Proxy;

namespace GreenGateway.Pipeline;

/// <summary>Step 1 of an accounted request: the body, read up to <c>Gateway.MaxRequestBodyBytes</c> and parsed once.</summary>
internal static class RequestBody
{
    /// <summary>The parsed request, or the error to answer with (413 past the limit, 400 for anything invalid).</summary>
    public static async Task<(OpenAiRequest? Request, RequestError? Error)> ReadAsync(HttpContext context, ApiKind kind, long max)
    {
        var body = await ReadBytesAsync(context, max);
        if (body is null)
        {
            return (null, TooLarge(max));
        }

        return OpenAiRequest.TryParse(body, kind, out var request, out var error) ? (request, null) : (null, error);
    }

    public static RequestError TooLarge(long max) =>
        new(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than the gateway accepts ({max} bytes).", "invalid_request_error", null, "request_too_large");

    /// <summary>The body's bytes, or null past <paramref name="max"/>.</summary>
    public static async Task<byte[]?> ReadBytesAsync(HttpContext context, long max)
    {
        if (context.Request.ContentLength > max)
        {
            return null;
        }

        try
        {
            if (context.Request.ContentLength is { } length)
            {
                return await KnownLengthBody.ReadAsync(context.Request.Body, length, () => context.RequestAborted);
            }

            var buffer = new ArrayBufferWriter<byte>(4096);
            while (true)
            {
                var read = await context.Request.Body.ReadAsync(buffer.GetMemory(8192), context.RequestAborted);
                if (read == 0)
                {
                    return buffer.WrittenSpan.ToArray();
                }

                buffer.Advance(read);
                if (buffer.WrittenCount > max)
                {
                    return null;
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
    }
}
