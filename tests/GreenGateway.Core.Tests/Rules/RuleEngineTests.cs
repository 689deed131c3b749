using GreenGateway.Core.Policies;

namespace GreenGateway.Core.Rules.Tests;

public sealed class RuleEngineTests
{
    private static PolicySet Load(string yaml)
    {
        var result = PolicyParser.Parse([("p.yaml", yaml)]);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        return result.Policies!;
    }

    private const string Policies = """
        rules:
          - name: support-hours
            pattern: "(?i)^when (is|are) (?<team>support|sales) open\\??$"
            answer: "${team} is open 9:00-17:00 CET, Monday to Friday."
            tenants: ["acme"]
          - name: shadow-math
            pattern: "^what is 2\\+2\\?$"
            answer: "five (a policy rule wins over built-ins)"
            tenants: ["*"]
        tenants:
          acme:
            keys: ["sha256:0000000000000000000000000000000000000000000000000000000000000001"]
            timezone: Europe/Berlin
          quiet:
            keys: ["sha256:0000000000000000000000000000000000000000000000000000000000000002"]
            builtin_rules: []
        """;

    [Fact]
    public void PolicyRules_ComeFirst_ForTheTenantsTheyName()
    {
        var policies = Load(Policies);
        var engine = new RuleEngine();

        Assert.Equal("support is open 9:00-17:00 CET, Monday to Friday.",
            engine.TryAnswer(policies, policies.Tenants["acme"], "When is support open?", DateTimeOffset.UnixEpoch)?.Text);
        Assert.Null(engine.TryAnswer(policies, policies.Tenants["quiet"], "When is support open?", DateTimeOffset.UnixEpoch));
        Assert.Equal("shadow-math", engine.TryAnswer(policies, policies.Tenants["acme"], "what is 2+2?", DateTimeOffset.UnixEpoch)?.Rule);
    }

    [Fact]
    public void BuiltinRules_AreOnByDefault_AndCanBeTurnedOff()
    {
        var policies = Load(Policies);
        var engine = new RuleEngine();

        Assert.Equal("arithmetic", engine.TryAnswer(policies, policies.Tenants["acme"], "what is 6*7", DateTimeOffset.UnixEpoch)?.Rule);
        Assert.Null(engine.TryAnswer(policies, policies.Tenants["quiet"], "what is 6*7", DateTimeOffset.UnixEpoch));
        Assert.Equal("Europe/Berlin", policies.Tenants["acme"].TimeZone.Id);
    }

    [Fact]
    public void BrokenRulesAndTenantSettings_AreAllReported()
    {
        var result = PolicyParser.Parse([("p.yaml", """
            rules:
              - name: bad-regex
                pattern: "(unclosed"
                answer: "x"
              - name: no-answer
                pattern: "hi"
              - name: arithmetic
                pattern: "x"
                answer: "y"
            tenants:
              t:
                keys: ["sha256:0000000000000000000000000000000000000000000000000000000000000003"]
                timezone: Mars/Olympus_Mons
                builtin_rules: [arithmetic, telepathy]
            """)]);

        Assert.False(result.Succeeded);
        Assert.Equal(5, result.Errors.Count);
        Assert.Contains(result.Errors, e => e.Contains("not a valid regular expression", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("needs name, pattern and answer", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("shadows a built-in", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("unknown time zone 'Mars/Olympus_Mons'", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("unknown built-in rule 'telepathy'", StringComparison.Ordinal));
    }
}
