using System.Text.RegularExpressions;

namespace GreenGateway.Core.Rules;

/// <summary>
/// A rule from a policy file: a regular expression over the question and an answer template
/// (<c>$1</c>, <c>${name}</c> are its groups), for the tenants it names (<c>*</c> for all). Patterns run with
/// a match timeout, so that a careless pattern cannot stall requests.
/// </summary>
public sealed class PatternRule : IRuleAnswerer
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(50);
    private readonly Regex _pattern;
    private readonly string _answer;

    public PatternRule(string name, string pattern, string answer, IReadOnlyList<string> tenants)
    {
        Name = name;
        _pattern = new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
        _answer = answer;
        Tenants = tenants;
    }

    public string Name { get; }

    public IReadOnlyList<string> Tenants { get; }

    public bool AppliesTo(string tenantId) => Tenants.Contains("*") || Tenants.Contains(tenantId);

    public RuleAnswer? TryAnswer(RuleContext context)
    {
        try
        {
            var match = _pattern.Match(context.Question);
            return match.Success ? new RuleAnswer(match.Result(_answer), Name) : null;
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }
}
