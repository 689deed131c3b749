namespace GreenGateway.Core.Rules;

/// <summary>An answer from tier 0: the text, and which rule or handler gave it.</summary>
public sealed record RuleAnswer(string Text, string Rule);

/// <summary>What a rule sees of a request: the question (the last user message) and the tenant's settings.</summary>
/// <param name="Question">The last user message.</param>
/// <param name="TimeZone">The tenant's time zone, for date and time questions.</param>
/// <param name="Now">The current time.</param>
public sealed record RuleContext(string Question, TimeZoneInfo TimeZone, DateTimeOffset Now);

/// <summary>
/// A tier-0 answerer. It answers only when it is exactly right and declines (null) otherwise: a rule
/// never guesses, because a wrong cheap answer costs more than the energy it saves.
/// </summary>
public interface IRuleAnswerer
{
    /// <summary>The handler's name, as policies refer to it.</summary>
    string Name { get; }

    RuleAnswer? TryAnswer(RuleContext context);
}
