using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace GreenGateway.Tests.Support;

/// <summary>
/// The Responses API, as an upstream that serves it itself answers (OpenAI's API reference, "Responses"): a response
/// object with a message item, or its event stream ending with <c>response.completed</c> and its usage. Its ids start
/// with <c>resp_up</c>. <c>tool-caller</c> answers with a function_call item, <c>stream-break</c> drops the connection
/// after two deltas.
/// </summary>
internal sealed partial class FakeOpenAiUpstream
{
    private int _responses;

    private async Task RespondAsync(HttpContext context)
    {
        var body = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body))!;
        Record(context, body);
        var model = body["model"]!.GetValue<string>();
        var id = $"resp_up{Interlocked.Increment(ref _responses)}";
        var call = ToolCallFor(body, model);
        JsonObject item = call is { } c
            ? new JsonObject { ["type"] = "function_call", ["id"] = "fc_up1", ["status"] = "completed", ["call_id"] = "call_up1", ["name"] = c.Name, ["arguments"] = c.Arguments }
            : MessageItem(Answer, "completed");
        if (body["stream"]?.GetValue<bool>() != true)
        {
            await context.Response.WriteAsJsonAsync(Response(id, model, "completed", new JsonArray(item), ResponsesUsage()));
            return;
        }

        context.Response.ContentType = "text/event-stream";
        var sequence = 0;
        try
        {
            await EventAsync("response.created", new JsonObject { ["response"] = Response(id, model, "in_progress", [], null) });
            await EventAsync("response.output_item.added", new JsonObject { ["output_index"] = 0, ["item"] = MessageItem(null, "in_progress") });
            for (var i = 0; i < Words.Length; i++)
            {
                await EventAsync("response.output_text.delta", new JsonObject
                {
                    ["item_id"] = "msg_up1", ["output_index"] = 0, ["content_index"] = 0, ["delta"] = Words[i],
                });
                if (model == "stream-break" && i == 1)
                {
                    await Task.Delay(300, context.RequestAborted);
                    context.Abort();
                    return;
                }
            }

            await EventAsync("response.output_item.done", new JsonObject { ["output_index"] = 0, ["item"] = item.DeepClone() });
            await EventAsync("response.completed", new JsonObject { ["response"] = Response(id, model, "completed", new JsonArray(item), ResponsesUsage()) });
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            StreamAborted.TrySetResult();
        }

        async Task EventAsync(string type, JsonObject data)
        {
            var payload = new JsonObject { ["type"] = type, ["sequence_number"] = sequence++ };
            foreach (var (name, value) in data)
            {
                payload[name] = value?.DeepClone();
            }

            await context.Response.WriteAsync($"event: {type}\ndata: {payload.ToJsonString()}\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }

    private static JsonObject Response(string id, string model, string status, JsonArray output, JsonObject? usage) => new()
    {
        ["id"] = id,
        ["object"] = "response",
        ["created_at"] = 1_700_000_000,
        ["status"] = status,
        ["error"] = null,
        ["incomplete_details"] = null,
        ["model"] = model,
        ["output"] = output,
        ["parallel_tool_calls"] = true,
        ["tool_choice"] = "auto",
        ["tools"] = new JsonArray(),
        ["usage"] = usage,
    };

    private static JsonObject MessageItem(string? text, string status) => new()
    {
        ["type"] = "message",
        ["id"] = "msg_up1",
        ["status"] = status,
        ["role"] = "assistant",
        ["content"] = text is null ? new JsonArray() : new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = text, ["annotations"] = new JsonArray() }),
    };

    private static JsonObject ResponsesUsage() => new()
    {
        ["input_tokens"] = PromptTokens,
        ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
        ["output_tokens"] = Words.Length,
        ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
        ["total_tokens"] = PromptTokens + Words.Length,
    };
}
