using System.Net;
using GreenGateway.ModelHost.Tests.Support;

namespace GreenGateway.ModelHost.Tests.Api;

/// <summary>
/// A checkpoint without a chat template (a base model) is served: /v1/completions answers, /v1/chat/completions and
/// /tokenize with messages answer 400 saying why and what to use instead.
/// </summary>
public sealed class BaseModelTests
{
    [Fact]
    public async Task Base_model_serves_completions_and_refuses_chat_with_a_clear_message()
    {
        var dir = ModelHostServer.DraftWithTokenizerConfig("{\"model_max_length\": 2048}");
        try
        {
            await using var server = await ModelHostServer.StartAsync(dir);

            var (ok, completion) = await server.PostAsync("/v1/completions", new { prompt = "Once upon a time", max_tokens = 4, temperature = 0 });
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(4, completion["usage"]!["completion_tokens"]!.GetValue<int>());

            var (refused, error) = await server.PostAsync("/v1/chat/completions", new { messages = new[] { new { role = "user", content = "hi" } } });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("chat_template_missing", error["error"]!["code"]!.GetValue<string>());
            Assert.Contains("/v1/completions", error["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Contains("no chat_template", error["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

            var (tokenize, _) = await server.PostAsync("/tokenize", new { messages = new[] { new { role = "user", content = "hi" } } });
            Assert.Equal(HttpStatusCode.BadRequest, tokenize.StatusCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
