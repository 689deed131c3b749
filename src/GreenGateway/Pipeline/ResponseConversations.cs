using GreenGateway.Accounting;
using GreenGateway.Answers;
using GreenGateway.Configuration;
using GreenGateway.Core.Requests;
using GreenGateway.Core.Responses;
using Microsoft.Extensions.Options;

namespace GreenGateway.Pipeline;

/// <summary>
/// The Responses API's stored conversations around a request: before it is resolved, <c>previous_response_id</c> brings
/// in the tenant's stored conversation (another tenant's id is as absent as an expired one: 404); before its last byte,
/// the answered response is stored (unless <c>store: false</c>), so that a client continuing at once, on any replica,
/// finds it.
/// </summary>
internal sealed partial class ResponseConversations(IResponseStore store, IOptions<GatewayConfig> options, ILogger<ResponseConversations> logger)
{
    private readonly long _maxBytes = options.Value.Gateway.MaxRequestBodyBytes;

    /// <summary>Step 1b: the request with its stored conversation before its input, or the error to answer with.</summary>
    public async Task<(OpenAiRequest? Request, RequestError? Error)> ContinueAsync(OpenAiRequest request, string tenant, CancellationToken cancellationToken)
    {
        var id = request.Responses!.PreviousResponseId!;
        StoredResponse? previous;
        try
        {
            previous = await store.GetAsync(tenant, id, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.StoreFailed(logger, tenant, e);
            return (null, new RequestError(StatusCodes.Status503ServiceUnavailable, "The store of responses is unavailable; the conversation cannot be continued now. Try again shortly.",
                "server_error", "previous_response_id", "response_store_unavailable"));
        }

        if (previous is null)
        {
            return (null, NotFound(id, "previous_response_id"));
        }

        return request.TryContinue(previous.Conversation(), _maxBytes, out var continued, out var error) ? (continued, null) : (null, error);
    }

    /// <summary>
    /// The hook an answer runs before its last byte: the settlement, then, for a completed response the client asked to
    /// store, the store. A store that fails is logged; the answer still goes out.
    /// </summary>
    public Func<RequestFigures, ValueTask> BeforeLastByte(Admission admitted, OpenAiRequest request, string tenant, ResponsesFormat format) => async figures =>
    {
        await admitted.SettleFigures(figures);
        if (!request.Responses!.Store || format.Completed is not { } completed)
        {
            return;
        }

        try
        {
            var json = System.Text.Encoding.UTF8.GetString(completed.Json);
            await store.SaveAsync(new StoredResponse(completed.Id, tenant, json, request.Responses.Input.ToJsonString()), CancellationToken.None);
        }
        catch (Exception e)
        {
            Log.StoreFailed(logger, tenant, e);
        }
    };

    public static RequestError NotFound(string id, string? param) =>
        new(StatusCodes.Status404NotFound, $"Response with id '{id}' not found.", "invalid_request_error", param, "response_not_found");

    private static partial class Log
    {
        [LoggerMessage(EventId = 1108, Level = LogLevel.Warning, Message = "The store of responses failed for tenant {Tenant}")]
        public static partial void StoreFailed(ILogger logger, string tenant, Exception exception);
    }
}
