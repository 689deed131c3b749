using GreenGateway.Inference.Tokenization.Jinja;
using GreenGateway.ModelHost.Serving;

namespace GreenGateway.ModelHost.Api;

/// <summary>A chat request's prompt, rendered with the model's chat template, or the 400 that says why it cannot be.</summary>
internal static class ChatPrompt
{
    /// <summary>
    /// The request's conversation and tools through the model's chat template (tool calls and results included). A
    /// parsed chat request always carries its <see cref="GenerationRequest.Conversation"/>.
    /// </summary>
    public static (string? Prompt, ApiError? Error) Render(ModelSession session, GenerationRequest request, bool addGenerationPrompt = true)
    {
        if (session.Chat is null)
        {
            return (null, ApiError.Invalid(session.NoChatMessage, "messages", "chat_template_missing"));
        }

        try
        {
            return (session.Chat.Render(request.Conversation!.Value, addGenerationPrompt, request.Tools), null);
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
