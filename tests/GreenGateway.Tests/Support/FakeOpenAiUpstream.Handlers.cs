using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace GreenGateway.Tests.Support;

internal sealed partial class FakeOpenAiUpstream
{
    private async Task CompleteAsync(HttpContext context)
    {
        var body = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body))!;
        Record(context, body);
        if (TakeFailure())
        {
            context.Response.StatusCode = FailureStatus;
            await context.Response.WriteAsJsonAsync(new { error = new { message = "overloaded", type = "server_error" } });
            return;
        }

        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, context.RequestAborted);
        }

        var model = body["model"]!.GetValue<string>();
        var chat = context.Request.Path.Value!.EndsWith("chat/completions", StringComparison.Ordinal);
        if (model == "slow")
        {
            await Task.Delay(SlowDelay, context.RequestAborted);
        }

        if (model == "reported-energy")
        {
            context.Response.Headers["X-Energy-Joules"] = "10";
        }

        if (await LieAsync(context, model))
        {
            return;
        }

        var toolCall = ToolCallFor(body, model);
        if (body["stream"]?.GetValue<bool>() == true)
        {
            await StreamAsync(context, body, model, chat, toolCall);
            return;
        }

        var choice = toolCall is { } called && chat
            ? new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = new JsonArray(ChatToolCall(called)) },
                ["finish_reason"] = "tool_calls",
            }
            : chat
            ? (JsonNode)new JsonObject { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = Answer }, ["finish_reason"] = "stop" }
            : new JsonObject { ["index"] = 0, ["text"] = Answer, ["finish_reason"] = "stop" };
        var response = new JsonObject
        {
            ["id"] = "cmpl-1",
            ["object"] = chat ? "chat.completion" : "text_completion",
            ["created"] = 1_700_000_000,
            ["model"] = model,
            ["choices"] = new JsonArray(choice),
        };
        if (model != "no-usage")
        {
            response["usage"] = model switch
            {
                "lying-usage" => new JsonObject { ["prompt_tokens"] = PromptTokens, ["completion_tokens"] = 2_000_000, ["total_tokens"] = 2_000_000 + PromptTokens },
                "negative-usage" => new JsonObject { ["prompt_tokens"] = -5, ["completion_tokens"] = -7, ["total_tokens"] = -12 },
                "counts-definitions" => DefinitionsUsage(body),
                _ => Usage(Words.Length),
            };
        }

        await context.Response.WriteAsJsonAsync(response);
    }

    private static readonly string[] Words = ["Hello", " from", " the", " upstream"];

    /// <summary>
    /// The upstreams that lie or break: <c>lying-energy</c> claims 1e300 J, <c>not-json</c> answers 200 with an HTML
    /// page, <c>no-choices</c> 200 with a JSON object that is no answer, <c>html-error</c> 500 with an HTML page.
    /// </summary>
    private static async Task<bool> LieAsync(HttpContext context, string model)
    {
        switch (model)
        {
            case "lying-energy":
                context.Response.Headers["X-Energy-Joules"] = "1e300";
                return false;
            case "not-json":
                context.Response.ContentType = "text/html";
                await context.Response.WriteAsync("<html><body>Welcome to nginx!</body></html>");
                return true;
            case "no-choices":
                await context.Response.WriteAsJsonAsync(new { status = "ok", usage = new { prompt_tokens = 5, completion_tokens = 500 } });
                return true;
            case "html-error":
                context.Response.StatusCode = 500;
                context.Response.ContentType = "text/html";
                await context.Response.WriteAsync("<html><body>Internal Server Error</body></html>");
                return true;
            default:
                return false;
        }
    }

    /// <summary>The call <c>tool-caller</c> makes: the request's first function tool, named in chat's or the Responses API's shape.</summary>
    private static (string Name, string Arguments)? ToolCallFor(JsonObject body, string model)
    {
        if (model != "tool-caller" || body["tools"] is not JsonArray { Count: > 0 } tools)
        {
            return null;
        }

        var name = (tools[0]!["function"]?["name"] ?? tools[0]!["name"])!.GetValue<string>();
        return (name, "{\"city\":\"Paris\"}");
    }

    private static JsonObject ChatToolCall((string Name, string Arguments) call) => new()
    {
        ["id"] = "call_1",
        ["type"] = "function",
        ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.Arguments },
    };

    private async Task StreamAsync(HttpContext context, JsonObject body, string model, bool chat, (string Name, string Arguments)? toolCall)
    {
        context.Response.ContentType = "text/event-stream";
        var includeUsage = body["stream_options"]?["include_usage"]?.GetValue<bool>() == true && model != "no-usage";
        var pieces = model == "stream-slow" ? Enumerable.Repeat(" tick", 100).ToArray() : Words;
        try
        {
            if (toolCall is { } call)
            {
                // The call's id and name first, its arguments in two pieces, as OpenAI streams tool calls.
                var half = call.Arguments.Length / 2;
                foreach (var delta in new[]
                {
                    new JsonObject { ["index"] = 0, ["id"] = "call_1", ["type"] = "function", ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = "" } },
                    new JsonObject { ["index"] = 0, ["function"] = new JsonObject { ["arguments"] = call.Arguments[..half] } },
                    new JsonObject { ["index"] = 0, ["function"] = new JsonObject { ["arguments"] = call.Arguments[half..] } },
                })
                {
                    var choice = new JsonObject { ["index"] = 0, ["delta"] = new JsonObject { ["tool_calls"] = new JsonArray(delta) }, ["finish_reason"] = null };
                    await WriteChunkAsync(context, Chunk(model, chat, new JsonArray(choice), null));
                }

                pieces = [];
                await WriteChunkAsync(context, Chunk(model, chat, new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = new JsonObject(), ["finish_reason"] = "tool_calls" }), null));
            }

            for (var i = 0; i < pieces.Length; i++)
            {
                var delta = chat ? (JsonNode)new JsonObject { ["content"] = pieces[i] } : null;
                var finish = i == pieces.Length - 1 ? "stop" : null;
                var choice = chat
                    ? new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }
                    : new JsonObject { ["index"] = 0, ["text"] = pieces[i], ["finish_reason"] = finish };
                await WriteChunkAsync(context, Chunk(model, chat, new JsonArray(choice), null));
                if (model == "stream-break" && i == 1)
                {
                    // Let the first chunks reach the wire, then drop the connection.
                    await Task.Delay(300, context.RequestAborted);
                    context.Abort();
                    return;
                }

                if (model == "stream-slow")
                {
                    await Task.Delay(100, context.RequestAborted);
                }
            }

            if (includeUsage)
            {
                var usage = Chunk(model, chat, [], null);
                usage["usage"] = Usage(pieces.Length);
                await WriteChunkAsync(context, usage);
            }

            await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            StreamAborted.TrySetResult();
        }
        catch (IOException)
        {
            StreamAborted.TrySetResult();
        }
    }

    private static JsonObject Chunk(string model, bool chat, JsonArray choices, JsonNode? usage) => new()
    {
        ["id"] = "cmpl-1",
        ["object"] = chat ? "chat.completion.chunk" : "text_completion",
        ["created"] = 1_700_000_000,
        ["model"] = model,
        ["choices"] = choices,
        ["usage"] = usage,
    };

    private static async Task WriteChunkAsync(HttpContext context, JsonObject chunk)
    {
        await context.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    /// <summary>
    /// An honest upstream whose template renders the tool definitions and the output schema into the prompt: its
    /// prompt_tokens counts them, at one token per 2 bytes of their JSON (fewer tokens than bytes, as any byte-level BPE).
    /// </summary>
    private static JsonObject DefinitionsUsage(JsonObject body)
    {
        var definitions = new[] { "tools", "functions", "response_format" }.Sum(name => body[name] is { } node ? System.Text.Encoding.UTF8.GetByteCount(node.ToJsonString()) : 0);
        var usage = Usage(Words.Length);
        usage["prompt_tokens"] = PromptTokens + (definitions / 2);
        usage["total_tokens"] = PromptTokens + (definitions / 2) + Words.Length;
        return usage;
    }

    private static JsonObject Usage(int completion) => new()
    {
        ["prompt_tokens"] = PromptTokens,
        ["completion_tokens"] = completion,
        ["total_tokens"] = PromptTokens + completion,
    };

    private async Task EmbedAsync(HttpContext context)
    {
        var body = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body))!;
        Record(context, body);
        await context.Response.WriteAsJsonAsync(new
        {
            @object = "list",
            data = new[] { new { @object = "embedding", index = 0, embedding = new[] { 0.1f, 0.2f, 0.3f } } },
            model = body["model"]!.GetValue<string>(),
            usage = new { prompt_tokens = PromptTokens, total_tokens = PromptTokens },
        });
    }
}
