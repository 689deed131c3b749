using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Inference.Tokenization;
using GreenGateway.ModelHost.Tests.Support;

namespace GreenGateway.ModelHost.Tests.Api;

/// <summary>
/// Checkpoints as users bring them: the model host serves chat with the real chat templates of the Llama 3, Mistral,
/// Qwen2, Gemma and Phi-3 families (rendered from their Jinja source), and a template's own refusal
/// (raise_exception) is a 400 in OpenAI's error format, not a 500.
/// </summary>
public sealed class ChatTemplateFamilyTests
{
    private static string TemplateConfig(string family, string bos, string eos)
    {
        var template = File.ReadAllText(ModelHostServer.RepositoryPath("tests", "GreenGateway.Inference.Tests", "Tokenization", "Fixtures", "chat-templates", family + ".jinja"));
        return JsonSerializer.Serialize(new Dictionary<string, string> { ["chat_template"] = template, ["bos_token"] = bos, ["eos_token"] = eos });
    }

    [Theory]
    [InlineData("llama3.1", "<|begin_of_text|>", "<|eot_id|>")]
    [InlineData("mistral-v0.3", "<s>", "</s>")]
    [InlineData("qwen2.5", "<|endoftext|>", "<|im_end|>")]
    [InlineData("gemma2", "<bos>", "<eos>")]
    [InlineData("phi3", "<s>", "<|endoftext|>")]
    public async Task Chat_completion_uses_the_familys_template(string family, string bos, string eos)
    {
        var dir = ModelHostServer.DraftWithTokenizerConfig(TemplateConfig(family, bos, eos));
        try
        {
            await using var server = await ModelHostServer.StartAsync(dir);
            var messages = new[] { new { role = "user", content = "What does System.String.Trim do?" } };

            var (ok, body) = await server.PostAsync("/v1/chat/completions", new { messages, max_tokens = 3, temperature = 0 });

            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("assistant", body["choices"]![0]!["message"]!["role"]!.GetValue<string>());
            var rendered = ChatTemplate.FromModelDirectory(dir).Render([new ChatMessage("user", "What does System.String.Trim do?")]);
            var tokenizer = Tokenizer.FromFile(Path.Combine(dir, "tokenizer.json"));
            Assert.Equal(tokenizer.Encode(rendered).Length, body["usage"]!["prompt_tokens"]!.GetValue<int>());
            Assert.Contains(family switch { "gemma2" => "<start_of_turn>user", "phi3" => "<|user|>", "llama3.1" => "<|start_header_id|>user", "qwen2.5" => "<|im_start|>user", _ => "[INST]" },
                rendered, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("llama3.1", "<|begin_of_text|>", "<|eot_id|>")]
    [InlineData("qwen2.5", "<|endoftext|>", "<|im_end|>")]
    public async Task Tools_and_tool_calls_reach_the_template_as_transformers_renders_them(string family, string bos, string eos)
    {
        // The fixture's tool conversations (rendered by transformers' apply_chat_template): tools offered, an assistant
        // turn of tool_calls without content, a tool result. /tokenize must count the tokens of exactly that text.
        var dir = ModelHostServer.DraftWithTokenizerConfig(TemplateConfig(family, bos, eos));
        try
        {
            await using var server = await ModelHostServer.StartAsync(dir);
            var tokenizer = Tokenizer.FromFile(Path.Combine(dir, "tokenizer.json"));
            var fixture = JsonNode.Parse(File.ReadAllText(ModelHostServer.RepositoryPath("tests", "GreenGateway.Inference.Tests", "Tokenization", "Fixtures", "chat-templates", family + ".json")))!;
            var cases = fixture["cases"]!.AsArray().Where(c => c!["name"]!.GetValue<string>() is "tools_offered" or "tool_call_and_result" && c["expected"] is not null).ToList();
            Assert.Equal(2, cases.Count);
            var counts = new List<int>();
            foreach (var item in cases)
            {
                var body = new JsonObject
                {
                    ["messages"] = item!["messages"]!.DeepClone(),
                    ["tools"] = item["tools"]!.DeepClone(),
                    ["add_generation_prompt"] = item["add_generation_prompt"]!.DeepClone(),
                };
                var (tokenized, counted) = await server.PostAsync("/tokenize", body);

                Assert.True(tokenized.StatusCode == HttpStatusCode.OK, counted.ToJsonString());
                Assert.Equal(tokenizer.Encode(item["expected"]!.GetValue<string>()).Length, counted["count"]!.GetValue<int>());
                counts.Add(counted["count"]!.GetValue<int>());
            }

            var chat = new JsonObject { ["messages"] = cases[1]!["messages"]!.DeepClone(), ["tools"] = cases[1]!["tools"]!.DeepClone(), ["max_tokens"] = 2 };
            // The tiny test model's context (512) is shorter than a tools prompt: the chat request is refused for its
            // length, counted from the same rendering.
            var (answered, answer) = await server.PostAsync("/v1/chat/completions", chat);
            Assert.Equal(HttpStatusCode.BadRequest, answered.StatusCode);
            Assert.Equal("context_length_exceeded", answer["error"]!["code"]!.GetValue<string>());
            Assert.Contains($"({counts[1]} in the prompt", answer["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

            var (refused, error) = await server.PostAsync("/v1/chat/completions", new { messages = new[] { new { role = "user", content = "hi" } }, tools = "none" });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("tools", error["error"]!["param"]!.GetValue<string>());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_conversation_the_template_refuses_is_a_400_with_the_templates_message()
    {
        var dir = ModelHostServer.DraftWithTokenizerConfig(TemplateConfig("gemma2", "<bos>", "<eos>"));
        try
        {
            await using var server = await ModelHostServer.StartAsync(dir);
            var system = new[] { new { role = "system", content = "Be brief." }, new { role = "user", content = "hi" } };
            var twoUsers = new[] { new { role = "user", content = "hi" }, new { role = "user", content = "again" } };

            var (refused, error) = await server.PostAsync("/v1/chat/completions", new { messages = system, max_tokens = 2 });
            var (tokenize, tokenizeError) = await server.PostAsync("/tokenize", new { messages = twoUsers });

            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("invalid_request_error", error["error"]!["type"]!.GetValue<string>());
            Assert.Equal("chat_template_error", error["error"]!["code"]!.GetValue<string>());
            Assert.Equal("messages", error["error"]!["param"]!.GetValue<string>());
            Assert.EndsWith("System role not supported", error["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.BadRequest, tokenize.StatusCode);
            Assert.Contains("Conversation roles must alternate", tokenizeError["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_template_that_does_not_parse_leaves_the_model_serving_completions()
    {
        var dir = ModelHostServer.DraftWithTokenizerConfig("""{"chat_template": "{% for m in messages %}{{ m.content }"}""");
        try
        {
            await using var server = await ModelHostServer.StartAsync(dir);

            var (ok, _) = await server.PostAsync("/v1/completions", new { prompt = "Once upon a time", max_tokens = 2, temperature = 0 });
            var (refused, error) = await server.PostAsync("/v1/chat/completions", new { messages = new[] { new { role = "user", content = "hi" } } });

            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("chat_template_missing", error["error"]!["code"]!.GetValue<string>());
            Assert.Contains("not Jinja this server can render", error["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
