using System.Text.Json.Nodes;
using GreenGateway.Core.Energy;

namespace GreenGateway.Core.Requests;

/// <summary>
/// One OpenAI request, parsed once at the edge and validated strictly (<see cref="TryParse"/>): its messages with
/// their text, the generation parameters, the limits and the stream options, typed. Nothing after the parser reads
/// the raw JSON; only the forwarder sends <see cref="UpstreamBody"/> on, so that fields the gateway does not know
/// (vLLM's extras, newer OpenAI ones) reach the upstream untouched.
/// </summary>
public sealed partial class OpenAiRequest
{
    public required ApiKind Kind { get; init; }

    /// <summary>The model the client asked for.</summary>
    public required string Model { get; init; }

    /// <summary>Chat messages, in order (chat completions and translated Responses requests); empty otherwise.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; init; } = [];

    /// <summary>The prompt texts of a completions request (one per prompt); empty for token-id prompts and other kinds.</summary>
    public IReadOnlyList<string> PromptTexts { get; init; } = [];

    /// <summary>The parameters that shape the answer.</summary>
    public GenerationParameters Parameters { get; init; } = GenerationParameters.Default;

    public bool Stream { get; init; }

    /// <summary>Whether the client asked for the usage chunk of a stream (<c>stream_options.include_usage</c>).</summary>
    public bool ClientWantsStreamUsage { get; init; }

    /// <summary><c>max_completion_tokens</c> (or the Responses API's <c>max_output_tokens</c>), else <c>max_tokens</c>, when given.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>How many choices are asked for (<c>n</c>, default 1).</summary>
    public int Choices { get; init; } = 1;

    /// <summary>The prompt's size in tokens, estimated from its text (<see cref="TokenEstimator"/>).</summary>
    public int PromptTokenEstimate { get; init; }

    /// <summary>
    /// The most prompt tokens an honest upstream can report for this request: every UTF-8 byte of the prompt a token
    /// (the messages, and the tool definitions, earlier tool calls and output schema the template renders in),
    /// plus the chat format's markers (<see cref="TokensPerMessage"/> and a margin per message). Token counts above it are lies.
    /// </summary>
    public long PromptTokenBound { get; init; }

    /// <summary>The body as the client sent it, for the upstream. Only the forwarder reads it.</summary>
    public required JsonObject UpstreamBody { get; init; }

    /// <summary>
    /// The text of the last message when the user sent it and it is all text; null otherwise (tool results, assistant
    /// prefill, images). The one rule by which the rules, the cache and the router read a question.
    /// </summary>
    public string? LastUserText => Kind is (ApiKind.ChatCompletions or ApiKind.Responses) && Messages is [.., { Role: ChatRoles.User, Text: { } text }] ? text : null;

    /// <summary>
    /// Whether a tier of the gateway's own (rules, cache, the draft) may answer: one choice, and nothing only the large
    /// model honours (tools, response formats, stop strings, log-probabilities, logit biases, penalties).
    /// </summary>
    public bool LocalTiersMayAnswer => Kind is (ApiKind.ChatCompletions or ApiKind.Responses) && Choices == 1 && !Parameters.NeedsTheUpstream;

    /// <summary>
    /// Completion tokens to reserve for: <paramref name="perChoice"/> (the request's <c>max_tokens</c>, or an estimate
    /// where it gave none) times the choices, in 64-bit arithmetic: <c>int.MaxValue x 128</c> fits, so no product wraps.
    /// </summary>
    public long CompletionTokensFor(int perChoice) => Kind == ApiKind.Embeddings ? 0 : checked((long)Math.Max(0, perChoice) * Choices);

    /// <summary>
    /// A request to a pass-through path (<c>Gateway.PassThroughPaths</c>), whose body the gateway does not read: its size
    /// bounds the prompt (every byte a token at most; a quarter of them estimated), and <paramref name="maxTokens"/> (the
    /// body's <c>max_tokens</c> where it is JSON and says so) bounds the answer.
    /// </summary>
    public static OpenAiRequest ForPassThrough(string model, long bodyBytes, int? maxTokens) => new()
    {
        Kind = ApiKind.PassThrough,
        Model = model,
        MaxTokens = maxTokens,
        PromptTokenEstimate = (int)Math.Min(int.MaxValue, (bodyBytes + 3) / 4),
        PromptTokenBound = bodyBytes + 64,
        UpstreamBody = [],
    };

    /// <summary>Per-message overhead of chat formats (role markers, separators); OpenAI's cookbook counts 3 to 4.</summary>
    public const int TokensPerMessage = 4;
}
