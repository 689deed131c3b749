using GreenGateway.Core.Requests;

namespace GreenGateway.Draft;

/// <summary>
/// A chat request as the draft can take it: text messages (system, user, assistant) and nothing the draft cannot
/// honour (<see cref="OpenAiRequest.LocalTiersMayAnswer"/>), ending with the user's turn.
/// </summary>
internal static class ChatPrompt
{
    /// <summary>The messages of <paramref name="request"/>, or null when the draft must leave it to the large model.</summary>
    public static List<Inference.Tokenization.ChatMessage>? Messages(OpenAiRequest request)
    {
        if (!request.LocalTiersMayAnswer || request.LastUserText is null)
        {
            return null;
        }

        var messages = new List<Inference.Tokenization.ChatMessage>(request.Messages.Count);
        foreach (var message in request.Messages)
        {
            // A developer message is the newer name of a system message (OpenAI's o-series API).
            var role = message.Role == ChatRoles.Developer ? ChatRoles.System : message.Role;
            if (role is not (ChatRoles.System or ChatRoles.User or ChatRoles.Assistant) || message.HasToolCalls || message.Text is not { } text)
            {
                return null;
            }

            messages.Add(new Inference.Tokenization.ChatMessage(role, text));
        }

        return messages;
    }
}
