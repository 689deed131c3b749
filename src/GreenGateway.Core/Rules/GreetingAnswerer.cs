using System.Text.RegularExpressions;

namespace GreenGateway.Core.Rules;

/// <summary>A message that is only a greeting or a thank-you gets a short courteous reply.</summary>
public sealed partial class GreetingAnswerer : IRuleAnswerer
{
    public string Name => "greetings";

    public RuleAnswer? TryAnswer(RuleContext context)
    {
        var question = context.Question.Trim();
        if (Thanks().IsMatch(question))
        {
            return new RuleAnswer("You're welcome!", Name);
        }

        return Hello().IsMatch(question) ? new RuleAnswer("Hello! How can I help you?", Name) : null;
    }

    [GeneratedRegex(@"^(?:hi|hello|hey|hiya|good\s+(?:morning|afternoon|evening))(?:\s+there)?\s*[!.]*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Hello();

    [GeneratedRegex(@"^(?:thanks|thank\s+you|thx|many\s+thanks)(?:\s+(?:a\s+lot|very\s+much|so\s+much))?\s*[!.]*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Thanks();
}
