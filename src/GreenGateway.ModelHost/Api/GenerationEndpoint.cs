using System.Text.Json;
using GreenGateway.Inference.Generation;
using GreenGateway.ModelHost.Energy;
using GreenGateway.ModelHost.Serving;

namespace GreenGateway.ModelHost.Api;

/// <summary>/v1/completions and /v1/chat/completions: parse, check, run in a warm cache slot, answer as JSON or SSE.</summary>
internal static partial class GenerationEndpoint
{
    public static Task CompletionsAsync(HttpContext context, ModelSession session, EnergyMeter meter, ILogger<ModelSession> log) =>
        HandleAsync(context, session, meter, log, chat: false);

    public static Task ChatAsync(HttpContext context, ModelSession session, EnergyMeter meter, ILogger<ModelSession> log) =>
        HandleAsync(context, session, meter, log, chat: true);

    private static async Task HandleAsync(HttpContext context, ModelSession session, EnergyMeter meter, ILogger log, bool chat)
    {
        var (doc, error) = await RequestParser.ReadJsonAsync(context);
        if (error is not null)
        {
            await error.WriteAsync(context);
            return;
        }

        using (doc)
        {
            var (parsed, parseError) = RequestParser.Parse(doc!.RootElement, chat);
            if (parseError is not null)
            {
                await parseError.WriteAsync(context);
                return;
            }

            var request = parsed!;
            var (chatPrompt, templateError) = chat ? ChatPrompt.Render(session, request) : (null, null);
            if (templateError is not null)
            {
                await templateError.WriteAsync(context);
                return;
            }

            var prompt = chat
                ? session.Tokenizer.Encode(chatPrompt!)
                : request.PromptTokens ?? session.Tokenizer.Encode(request.PromptText!);
            if (Check(session, request, prompt) is { } refusal)
            {
                await refusal.WriteAsync(context);
                return;
            }

            var maxTokens = request.MaxTokens ?? session.MaxContextTokens - prompt.Length;
            var started = TimeProvider.System.GetTimestamp();
            using var mark = meter.Start();
            GenerationRun run;
            try
            {
                run = await GenerationRun.StartAsync(session, request, prompt, maxTokens, context.RequestAborted);
            }
            catch (KvCacheBudgetExceededException e)
            {
                // Every warm slot is busy and a cold cache would pass MaxKvCacheBytes: the server is full, not the request wrong.
                await new ApiError(503, $"The server has no KV-cache memory free for this request: {e.Message}", null, "server_busy").WriteAsync(context);
                return;
            }

            using var _ = run;
            var id = (chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N");
            var created = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
            int completion;
            EnergyUsage energy;
            if (request.Stream)
            {
                (completion, energy) = await StreamAsync(context, session, meter, mark, request, run, id, created, chat);
            }
            else
            {
                var tokens = new List<GeneratedToken>();
                await foreach (var t in run.TokensAsync(context.RequestAborted))
                {
                    tokens.Add(t);
                }

                completion = tokens.Count;
                energy = meter.Stop(mark);
                context.Response.Headers["X-Energy-Joules"] = EnergyMeter.Format(energy.Joules);
                context.Response.Headers["X-Energy-Method"] = energy.Method;
                context.Response.ContentType = "application/json";
                var body = chat ? ChatBody(session, request, run, tokens, id, created, energy) : CompletionBody(session, request, run, tokens, id, created, energy);
                await context.Response.Body.WriteAsync(body, context.RequestAborted);
            }

            Log.Served(log, chat ? "chat" : "completions", prompt.Length, run.CachedTokens, completion, energy.Joules, energy.Method,
                TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static ApiError? Check(ModelSession session, GenerationRequest request, int[] prompt)
    {
        if (request.Model is { } model && model != session.ModelId)
        {
            return new ApiError(404, $"The model `{model}` does not exist.", "model", "model_not_found");
        }

        if (prompt.Length == 0)
        {
            return ApiError.Invalid("the prompt is empty.", "prompt");
        }

        foreach (var t in prompt)
        {
            if ((uint)t >= (uint)session.VocabSize)
            {
                return ApiError.Invalid($"Token id {t} is out of vocabulary (0..{session.VocabSize - 1}).", "prompt", "invalid_token_id");
            }
        }

        var requested = prompt.Length + (request.MaxTokens ?? 0);
        if ((prompt.Length >= session.MaxContextTokens && request.MaxTokens is null or > 0) || requested > session.MaxContextTokens)
        {
            return ApiError.Invalid(
                $"This model's maximum context length is {session.MaxContextTokens} tokens. However, you requested {Math.Max(requested, prompt.Length + 1)} tokens " +
                $"({prompt.Length} in the prompt, {request.MaxTokens ?? 1} for the completion). Please reduce the length of the prompt or the completion.",
                request.Messages is null ? "prompt" : "messages", "context_length_exceeded");
        }

        return null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information,
            Message = "{Endpoint}: {PromptTokens} prompt tokens ({CachedTokens} cached), {CompletionTokens} generated, {Joules:0.###} J ({Method}), {Milliseconds:0.0} ms")]
        public static partial void Served(ILogger logger, string endpoint, int promptTokens, int cachedTokens, int completionTokens, double joules, string method, double milliseconds);
    }
}
