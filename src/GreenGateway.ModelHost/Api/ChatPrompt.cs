using GreenGateway.Inference.Tokenization;
using GreenGateway.Inference.Tokenization.Jinja;
using GreenGateway.ModelHost.Serving;

namespace GreenGateway.ModelHost.Api;

/// <summary>A chat request's prompt, rendered with the model's chat template, or the 400 that says why it cannot be.</summary>
internal static class ChatPrompt
{
    public static (string? Prompt, ApiError? Error) Render(ModelSession session, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        if (session.Chat is null)
        {
            return (null, ApiError.Invalid(session.NoChatMessage, "messages", "chat_template_missing"));
        }

        try
        {
            return (session.Chat.Render(messages, addGenerationPrompt), null);
        }
        catch (TemplateRaisedException e)
        {
            // The template refused the conversation (roles not alternating, a system message it does not take...).
            return (null, ApiError.Invalid($"model '{session.ModelId}''s chat template refused these messages: {e.Message}", "messages", "chat_template_error"));
        }
        catch (TemplateException e)
        {
            return (null, ApiError.Invalid($"model '{session.ModelId}''s chat template could not render these messages: {e.Message}", "messages", "chat_template_error"));
        }
    }
}
