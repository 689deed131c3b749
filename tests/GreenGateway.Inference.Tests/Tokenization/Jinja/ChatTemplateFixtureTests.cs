using System.Text.Json;
using GreenGateway.Inference.Tokenization;
using GreenGateway.Inference.Tokenization.Jinja;

namespace GreenGateway.Inference.Tests.Tokenization.Jinja;

/// <summary>
/// Real chat templates (Fixtures/chat-templates/*.jinja) rendered by <see cref="ChatTemplate"/> against what
/// transformers' apply_chat_template rendered for the same conversations (the *.json beside them, made by
/// tools/chat-templates/make_fixtures.py): byte for byte, and the same conversations refused.
/// </summary>
public sealed class ChatTemplateFixtureTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Tokenization", "Fixtures", "chat-templates");

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Directory.GetFiles(Folder, "*.json").Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
            {
                data.Add(Path.GetFileNameWithoutExtension(file), c.GetProperty("name").GetString()!);
            }
        }

        return data;
    }

    [Fact]
    public void Fixtures_cover_the_five_families_and_tools_templates()
    {
        var families = Directory.GetFiles(Folder, "*.json").Select(Path.GetFileNameWithoutExtension).ToHashSet();

        Assert.Superset(new HashSet<string?> { "llama3", "llama3.1", "mistral-v0.1", "mistral-v0.3", "mistral-nemo", "qwen2", "qwen2.5", "gemma2", "phi3", "hermes-2-pro" }, families);
        foreach (var file in Directory.GetFiles(Folder, "*.json"))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            Assert.StartsWith("transformers ", doc.RootElement.GetProperty("renderer").GetString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Render_equals_transformers_apply_chat_template(string family, string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, family + ".json")));
        var fixture = doc.RootElement;
        var c = fixture.GetProperty("cases").EnumerateArray().Single(x => x.GetProperty("name").GetString() == name);
        var template = ChatTemplate.FromJinja(
            File.ReadAllText(Path.Combine(Folder, fixture.GetProperty("template").GetString()!)),
            fixture.GetProperty("bos_token").GetString(),
            fixture.GetProperty("eos_token").GetString());
        var tools = c.GetProperty("tools");
        string Render() => template.Render(c.GetProperty("messages"), c.GetProperty("add_generation_prompt").GetBoolean(),
            tools.ValueKind == JsonValueKind.Null ? null : tools);

        if (c.TryGetProperty("expected", out var expected))
        {
            Assert.Equal(expected.GetString(), Render());
        }
        else if (c.GetProperty("error").GetProperty("raised_by_template").GetBoolean())
        {
            var e = Assert.Throws<TemplateRaisedException>(Render);
            Assert.Equal(c.GetProperty("error").GetProperty("message").GetString(), e.Message);
        }
        else
        {
            var e = Assert.ThrowsAny<TemplateException>(Render);
            if (c.GetProperty("error").GetProperty("type").GetString() == "ValueError")
            {
                Assert.Equal(c.GetProperty("error").GetProperty("message").GetString(), e.Message);
            }
        }
    }
}
