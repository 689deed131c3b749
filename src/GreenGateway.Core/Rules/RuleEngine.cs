using GreenGateway.Core.Policies;

namespace GreenGateway.Core.Rules;

/// <summary>
/// Tier 0: the tenant's policy rules first (most specific), then the built-in answerers it uses. The
/// first that answers wins; all decline means the request goes on to the next tier.
/// </summary>
public sealed class RuleEngine
{
    private static readonly IRuleAnswerer[] Builtins = [new GreetingAnswerer(), new ArithmeticAnswerer(), new UnitConversionAnswerer(), new DateTimeAnswerer()];

    /// <summary>Names of the built-in answerers, as policies list them.</summary>
    public static IReadOnlyList<string> BuiltinNames { get; } = ["greetings", "arithmetic", "units", "datetime"];

    /// <summary>The longest question tier 0 looks at; longer ones are never simple enough.</summary>
    public const int MaxQuestionLength = 512;

    public RuleAnswer? TryAnswer(PolicySet policies, TenantPolicy tenant, string question, DateTimeOffset now)
    {
        if (question.Length > MaxQuestionLength || string.IsNullOrWhiteSpace(question))
        {
            return null;
        }

        var context = new RuleContext(question, tenant.TimeZone, now);
        foreach (var rule in policies.Rules)
        {
            if (rule.AppliesTo(tenant.Id) && rule.TryAnswer(context) is { } answer)
            {
                return answer;
            }
        }

        foreach (var builtin in Builtins)
        {
            if (tenant.BuiltinRules.Contains(builtin.Name) && builtin.TryAnswer(context) is { } answer)
            {
                return answer;
            }
        }

        return null;
    }
}
