using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Core.Energy;

namespace GreenGateway.Core.Requests;

/// <summary>
/// An OpenAI request body, validated where the gateway relies on it and otherwise kept as sent: fields the
/// gateway does not know (vLLM's extras, newer OpenAI ones) travel to the upstream untouched.
/// </summary>
public sealed partial class OpenAiRequest
{
    private OpenAiRequest(ApiKind kind, JsonObject body, string model)
    {
        Kind = kind;
        Body = body;
        Model = model;
    }

    public ApiKind Kind { get; }

    /// <summary>The body as a mutable tree; the gateway rewrites <c>model</c> and <c>stream_options</c> in it.</summary>
    public JsonObject Body { get; }

    /// <summary>The model the client asked for.</summary>
    public string Model { get; }

    public bool Stream { get; private set; }

    /// <summary>Whether the client asked for the usage chunk of a stream (<c>stream_options.include_usage</c>).</summary>
    public bool ClientWantsStreamUsage { get; private set; }

    /// <summary><c>max_completion_tokens</c> or <c>max_tokens</c>, when given.</summary>
    public int? MaxTokens { get; private set; }

    /// <summary>How many choices are asked for (<c>n</c>, default 1).</summary>
    public int Choices { get; private set; } = 1;

    /// <summary>The prompt's size in tokens, estimated from its text (<see cref="TokenEstimator"/>).</summary>
    public int PromptTokenEstimate { get; private set; }

    /// <summary>Parses and validates a body. Returns false with an OpenAI-style 400 error when it is not acceptable.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, ApiKind kind, out OpenAiRequest? request, out RequestError? error)
    {
        request = null;
        JsonNode? root;
        try
        {
            // Duplicate properties are refused here: JsonObject would otherwise throw an ArgumentException
            // on first access (a 500 instead of a 400).
            root = JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = 64, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            error = RequestError.Invalid($"The request body is not valid JSON: {e.Message}", code: "invalid_json");
            return false;
        }

        if (root is not JsonObject body)
        {
            error = RequestError.Invalid("The request body must be a JSON object.", code: "invalid_json");
            return false;
        }

        if (!TryString(body, "model", required: true, out var model, out error))
        {
            return false;
        }

        request = new OpenAiRequest(kind, body, model!);
        if (!request.Validate(out error))
        {
            request = null;
            return false;
        }

        return true;
    }

    private bool Validate(out RequestError? error)
    {
        if (!TryBool(Body, "stream", out var stream, out error))
        {
            return false;
        }

        Stream = stream == true;
        if (Stream && Kind == ApiKind.Embeddings)
        {
            error = RequestError.Invalid("Embeddings cannot be streamed.", "stream");
            return false;
        }

        if (Body["stream_options"] is { } options)
        {
            if (options.GetValueKind() == JsonValueKind.Null)
            {
                // Same as absent.
            }
            else if (options is not JsonObject optionsObject)
            {
                error = RequestError.Invalid("'stream_options' must be an object.", "stream_options");
                return false;
            }
            else if (!TryBool(optionsObject, "include_usage", out var include, out error))
            {
                error = error! with { Param = "stream_options.include_usage" };
                return false;
            }
            else
            {
                ClientWantsStreamUsage = include == true;
            }
        }

        if (!TryInt(Body, "max_completion_tokens", out var maxCompletion, out error)
            || !TryInt(Body, "max_tokens", out var maxTokens, out error)
            || !TryInt(Body, "n", out var n, out error)
            || !TryNumber(Body, "temperature", out _, out error)
            || !TryNumber(Body, "top_p", out _, out error))
        {
            return false;
        }

        MaxTokens = maxCompletion ?? maxTokens;
        if (n is { } choices)
        {
            if (choices < 1)
            {
                error = RequestError.Invalid("'n' must be at least 1.", "n");
                return false;
            }

            Choices = choices;
        }

        return ValidatePrompt(out error);
    }
}
