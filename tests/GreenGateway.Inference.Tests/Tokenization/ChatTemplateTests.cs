using GreenGateway.Inference.Tokenization;

namespace GreenGateway.Inference.Tests.Tokenization;

public sealed class ChatTemplateTests
{
    [Theory]
    [InlineData("llama", "llama3")]
    [InlineData("qwen2", "chatml")]
    public void Render_ModelsOwnTemplate_EqualsTransformersJinjaRendering(string model, string reference)
    {
        var template = ChatTemplate.FromModelDirectory(ReferenceData.ModelPath(model));
        var chat = ReferenceData.Root.GetProperty("chat");
        var messages = chat.GetProperty("messages").EnumerateArray()
            .Select(static m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!)).ToArray();
        var expected = chat.GetProperty(reference);

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

            Assert.Equal(llama3, template.Source);
            // This file has no token list, so no BOS token: the template renders without one.
            Assert.StartsWith("<|start_header_id|>user", template.Render([new ChatMessage("user", "hi")]));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FromJinja_AnyFormat_IsRenderedFromItsSource()
    {
        var template = ChatTemplate.FromJinja("{{ bos_token }}{% for m in messages %}[{{ m.role | upper }}] {{ m['content'] }}\n{% endfor %}", "<s>");

        Assert.Equal("<s>[USER] hi\n[ASSISTANT] yo\n", template.Render([new ChatMessage("user", "hi"), new ChatMessage("assistant", "yo")]));
    }

    [Fact]
    public void FromJinja_InvalidJinja_ThrowsNotSupportedNamingTheLine()
    {
        var error = Assert.Throws<NotSupportedException>(() => ChatTemplate.FromJinja("{% for m in messages %}\n{{ m.content }"));

        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ChatFormat.ChatMl, null, "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")]
    [InlineData(ChatFormat.ChatMl, "Be brief.", "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")]
    [InlineData(ChatFormat.Llama3, null, "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")]
    public void Create_BuiltInFormats_RenderTheirStandardText(ChatFormat format, string? system, string expected)
    {
        Assert.Equal(expected, ChatTemplate.Create(format, system).Render([new ChatMessage("user", " hi ".Trim())]));
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

    [Fact]
    public void FromModelDirectory_PrefersChatTemplateJinja_AndReadsAddedTokenObjects()
    {
        var dir = Directory.CreateTempSubdirectory("gg-chat-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"),
                """{"chat_template": "ignored", "bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>"}""");
            File.WriteAllText(Path.Combine(dir, "chat_template.jinja"), "{{ bos_token }}{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor %}\n");

            var template = ChatTemplate.FromModelDirectory(dir);

            Assert.Equal("<s>hi</s>", template.Render([new ChatMessage("user", "hi")]));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
