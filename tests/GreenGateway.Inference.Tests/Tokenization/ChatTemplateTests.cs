using GreenGateway.Inference.Tokenization;

namespace GreenGateway.Inference.Tests.Tokenization;

public sealed class ChatTemplateTests
{
    [Theory]
    [InlineData("llama", "llama3", ChatFormat.Llama3)]
    [InlineData("qwen2", "chatml", ChatFormat.ChatMl)]
    public void Render_ModelsOwnTemplate_EqualsTransformersJinjaRendering(string model, string reference, ChatFormat format)
    {
        var template = ChatTemplate.FromModelDirectory(ReferenceData.ModelPath(model));
        var chat = ReferenceData.Root.GetProperty("chat");
        var messages = chat.GetProperty("messages").EnumerateArray()
            .Select(static m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!)).ToArray();
        var expected = chat.GetProperty(reference);

        Assert.Equal(format, template.Format);
        Assert.Equal(expected.GetProperty("with_system").GetString(), template.Render(messages));
        Assert.Equal(expected.GetProperty("without_system").GetString(), template.Render(messages[1..]));
        Assert.Equal(expected.GetProperty("no_generation_prompt").GetString(), template.Render(messages, addGenerationPrompt: false));
    }

    [Fact]
    public void FromGguf_TemplateInMetadata_IsRecognizedWithTheFilesBosToken()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gg-{Guid.NewGuid():N}.gguf");
        var llama3 = ReferenceData.Root.GetProperty("chat").GetProperty("llama3").GetProperty("template").GetString()!;
        Formats.GgufWriter.WriteInfos(path, [("general.architecture", "llama"), ("tokenizer.chat_template", llama3)], []);
        try
        {
            var template = ChatTemplate.FromGguf(path);

            Assert.Equal(ChatFormat.Llama3, template.Format);
            Assert.StartsWith("<|begin_of_text|><|start_header_id|>user", template.Render([new ChatMessage("user", "hi")]));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FromJinja_UnknownTemplate_ThrowsNamingTheSupportedFormats()
    {
        var error = Assert.Throws<NotSupportedException>(() => ChatTemplate.FromJinja("{{ messages[0]['content'] }}"));

        Assert.Contains("ChatML", error.Message);
    }

    [Fact]
    public void RenderedChatMl_Tokenized_UsesTheSpecialTokenIds()
    {
        var tokenizer = ReferenceTokenizerTests.Load("qwen2");
        var template = ChatTemplate.FromModelDirectory(ReferenceData.ModelPath("qwen2"));

        var ids = tokenizer.Encode(template.Render([new ChatMessage("user", "hi")]));

        Assert.Equal(tokenizer.TokenToId("<|im_start|>"), ids[0]);
        Assert.Equal(3, ids.Count(id => id == tokenizer.TokenToId("<|im_start|>")));
    }
}
