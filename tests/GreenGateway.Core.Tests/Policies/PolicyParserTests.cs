using GreenGateway.Core.Budgets;
using GreenGateway.Core.Tests.Support;

namespace GreenGateway.Core.Policies.Tests;

public sealed class PolicyParserTests
{
    private static readonly string AcmeHash = PolicySet.HashKey("gg-acme");
    private static readonly string BetaHash = PolicySet.HashKey("gg-beta");

    [Fact]
    public void Parse_ValidMultiTenantFile_ReadsEveryTenantWithBudgetsInJoules()
    {
        var yaml = $"""
            tenants:
              acme:
                description: the research team
                keys: ["{AcmeHash}"]
                models: [llama-70b, llama-8b]
                budgets:
                  minute: {"{"} energy_wh: 1, carbon_g: 0.5 {"}"}
                  day:
                    energy_wh: 50
                on_exhausted: downgrade
                downgrade_to: llama-8b
              beta:
                keys:
                  - "{BetaHash}"
            """;

        var result = Parse(("policies/teams.yaml", yaml));

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Empty(result.Errors);
        var set = result.Policies!;
        Assert.Equal(["acme", "beta"], set.Tenants.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["policies/teams.yaml"], set.Sources);

        var acme = set.Tenants["acme"];
        Assert.Equal(["llama-70b", "llama-8b"], acme.Models);
        Assert.Equal(
            [new BudgetLimit(BudgetWindow.Minute, 3600, 0.5), new BudgetLimit(BudgetWindow.Day, 50 * 3600, null)],
            acme.Limits);
        Assert.Equal(ExhaustedAction.Downgrade, acme.OnExhausted);
        Assert.Equal("llama-8b", acme.DowngradeTo);

        Assert.True(set.TryAuthenticate("gg-acme", out var byKey));
        Assert.Same(acme, byKey);
        Assert.True(set.TryAuthenticate("gg-beta", out var beta));
        Assert.Equal("beta", beta!.Id);
    }

    [Fact]
    public void Parse_TenantWithKeysOnly_GetsAllModelsNoLimitsAndReject()
    {
        var result = Parse(("p.yaml", $"tenants:\n  beta:\n    keys: [\"{BetaHash}\"]\n"));

        var beta = Assert.Single(result.Policies!.Tenants.Values);
        Assert.Equal(["*"], beta.Models);
        Assert.Empty(beta.Limits);
        Assert.Equal(ExhaustedAction.Reject, beta.OnExhausted);
        Assert.Null(beta.DowngradeTo);
    }

    [Fact]
    public void Parse_WithSeveralErrors_ReportsEveryOneWithFileLineAndColumn()
    {
        const string Yaml = """
            tenants:
              acme:
                keys: ["gg-plain-text-key"]
                budgets:
                  week: { energy_wh: 5 }
                  day: { energy_wh: lots }
                on_exhausted: sometimes
                budget_note: x
              beta:
                keys: ["sha256:0000000000000000000000000000000000000000000000000000000000000000"]
                cascade: { acceptance: lenient }
            """;

        var result = Parse(("policies/bad.yaml", Yaml));

        Assert.False(result.Succeeded);
        Assert.Null(result.Policies);
        Assert.True(result.Errors.Count == 6, $"expected 6 errors, got:\n{string.Join("\n", result.Errors)}");
        AssertError(result, "policies/bad.yaml:3:12: tenant 'acme': keys are stored as 'sha256:' and 64 hex digits");
        AssertError(result, "policies/bad.yaml:5:7: tenant 'acme': unknown budget window 'week'");
        AssertError(result, "policies/bad.yaml:6:25: tenant 'acme': budgets.day.energy_wh must be a number >= 0, not 'lots'");
        AssertError(result, "policies/bad.yaml:7:19: tenant 'acme': on_exhausted is 'reject' or 'downgrade', not 'sometimes'");
        AssertError(result, "policies/bad.yaml:8:5: tenant 'acme': unknown setting 'budget_note'");
        AssertError(result, "policies/bad.yaml:11:28: tenant 'beta': cascade.acceptance is 'greedy', 'sampling' or 'cascade', not 'lenient'");
    }

    [Fact]
    public void Parse_PlainTextKey_IsRejectedWithoutRepeatingTheKey()
    {
        var result = Parse(("p.yaml", "tenants:\n  acme:\n    keys: [gg-secret-123]\n"));

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("p.yaml:3:12: ", error, StringComparison.Ordinal);
        Assert.Contains("never in plain text", error, StringComparison.Ordinal);
        Assert.DoesNotContain("gg-secret-123", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sha256:abc")]
    [InlineData("sha256:zz00000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("md5:0000000000000000000000000000000000000000000000000000000000000000")]
    public void Parse_MalformedKeyHash_IsRejected(string key)
    {
        var result = Parse(("p.yaml", $"tenants:\n  acme:\n    keys: [\"{key}\"]\n"));

        Assert.Contains("never in plain text", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UpperCaseKeyHash_AuthenticatesTheKey()
    {
        var upper = "sha256:" + AcmeHash["sha256:".Length..].ToUpperInvariant();

        var result = Parse(("p.yaml", $"tenants:\n  acme:\n    keys: [\"{upper}\"]\n"));

        Assert.True(result.Policies!.TryAuthenticate("gg-acme", out var tenant));
        Assert.Equal("acme", tenant!.Id);
    }

    [Fact]
    public void Parse_TenantWithoutKeys_IsRejected()
    {
        var result = Parse(("p.yaml", "tenants:\n  acme:\n    models: [\"*\"]\n"));

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("p.yaml:3:5: tenant 'acme': keys must list at least one", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SameTenantIdInTwoFiles_ReportsTheSecondWithTheFirstPosition()
    {
        var result = Parse(
            ("a.yaml", $"tenants:\n  acme:\n    keys: [\"{AcmeHash}\"]\n"),
            ("b.yaml", $"tenants:\n  beta:\n    keys: [\"{BetaHash}\"]\n  acme:\n    keys: [\"{PolicySet.HashKey("other")}\"]\n"));

        var error = Assert.Single(result.Errors);
        Assert.Equal("b.yaml:4:3: tenant 'acme' is defined twice (first at a.yaml:2:3)", error);
    }

    [Fact]
    public void Parse_SameTenantIdInTwoDocumentsOfOneFile_IsReported()
    {
        var yaml = $"tenants:\n  acme:\n    keys: [\"{AcmeHash}\"]\n---\ntenants:\n  acme:\n    keys: [\"{BetaHash}\"]\n";

        var result = Parse(("p.yaml", yaml));

        Assert.Equal("p.yaml:6:3: tenant 'acme' is defined twice (first at p.yaml:2:3)", Assert.Single(result.Errors));
    }

    [Fact]
    public void Parse_SameKeyForTwoTenants_IsReportedOnTheSecond()
    {
        var result = Parse(
            ("a.yaml", $"tenants:\n  acme:\n    keys: [\"{AcmeHash}\"]\n"),
            ("b.yaml", $"tenants:\n  beta:\n    keys: [\"{AcmeHash}\"]\n"));

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("b.yaml:3:12: tenant 'beta': this key already belongs to tenant 'acme'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DowngradeWithoutDowngradeTo_IsAccepted_ServedByTheCheaperTiers()
    {
        var result = Parse(("p.yaml", $"tenants:\n  acme:\n    keys: [\"{AcmeHash}\"]\n    on_exhausted: downgrade\n"));

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var acme = result.Policies!.Tenants["acme"];
        Assert.Equal(ExhaustedAction.Downgrade, acme.OnExhausted);
        Assert.Null(acme.DowngradeTo);
    }

    [Theory]
    [InlineData("week")]
    [InlineData("minutes")]
    [InlineData("1")]
    [InlineData("minute,hour")]
    public void Parse_UnknownWindowName_IsRejected(string window)
    {
        var result = Parse(("p.yaml", $"tenants:\n  acme:\n    keys: [\"{AcmeHash}\"]\n    budgets:\n      \"{window}\": {{ energy_wh: 1 }}\n"));

        var error = Assert.Single(result.Errors);
        Assert.StartsWith($"p.yaml:5:7: tenant 'acme': unknown budget window '{window}'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Day", BudgetWindow.Day)]
    [InlineData("MONTH", BudgetWindow.Month)]
    public void Parse_WindowName_IgnoresCase(string name, BudgetWindow window)
    {
        var result = Parse(("p.yaml", $"tenants:\n  acme:\n    keys: [\"{AcmeHash}\"]\n    budgets:\n      {name}: {{ carbon_g: 20 }}\n"));

        Assert.Equal([new BudgetLimit(window, null, 20)], result.Policies!.Tenants["acme"].Limits);
    }

    [Theory]
    [InlineData("{ energy_wh: -1 }", "must be a number >= 0")]
    [InlineData("{ joules: 5 }", "unknown quantity 'joules'")]
    [InlineData("{ }", "sets neither energy_wh nor carbon_g")]
    [InlineData("50", "is a mapping with energy_wh and/or carbon_g")]
    public void Parse_BadBudget_IsRejected(string budget, string message)
    {
        var result = Parse(("p.yaml", $"tenants:\n  acme:\n    keys: [\"{AcmeHash}\"]\n    budgets:\n      day: {budget}\n"));

        Assert.Contains(result.Errors, e => e.Contains(message, StringComparison.Ordinal));
        Assert.Null(result.Policies);
    }

    [Theory]
    [InlineData("{ energy_wh: [1] }", "p.yaml:5:25: tenant 'acme': budgets.day.energy_wh must be a single value")]
    [InlineData("{ energy_wh: x, carbon_g: 2 }", "p.yaml:5:25: tenant 'acme': budgets.day.energy_wh must be a number >= 0, not 'x'")]
    public void Parse_BadBudgetValue_IsReportedOnce(string budget, string expected)
    {
        var result = Parse(("p.yaml", $"tenants:\n  acme:\n    keys: [\"{AcmeHash}\"]\n    budgets:\n      day: {budget}\n"));

        Assert.Equal(expected, Assert.Single(result.Errors));
    }

    [Fact]
    public void Parse_UnknownSetting_IsRejected()
    {
        var result = Parse(("p.yaml", $"tenants:\n  acme:\n    keys: [\"{AcmeHash}\"]\n    model: [x]\n"));

        Assert.StartsWith("p.yaml:4:5: tenant 'acme': unknown setting 'model'", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownSection_IsRejected()
    {
        var result = Parse(("p.yaml", $"tenant:\n  acme:\n    keys: [\"{AcmeHash}\"]\n"));

        Assert.StartsWith("p.yaml:1:1: unknown section 'tenant'", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidYaml_ReportsTheSyntaxErrorWithItsPosition()
    {
        var result = Parse(("p.yaml", "tenants:\n  acme:\n    keys: [\"unterminated\n    models: x\n"));

        // The unterminated quoted scalar starts at line 3, column 12.
        Assert.StartsWith("p.yaml:3:12: not valid YAML: ", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateSettingInOneTenant_IsReportedWithItsPosition()
    {
        var result = Parse(("p.yaml", $"tenants:\n  acme:\n    keys: [\"{AcmeHash}\"]\n    keys: [\"{BetaHash}\"]\n"));

        Assert.Equal("p.yaml:4:5: not valid YAML: Duplicate key keys", Assert.Single(result.Errors));
    }

    [Fact]
    public void Parse_InvalidYamlInOneFile_StillReportsErrorsOfTheOthers()
    {
        var result = Parse(
            ("a.yaml", "tenants: [\n"),
            ("b.yaml", "tenants:\n  acme:\n    keys: [plain]\n"));

        Assert.Equal(2, result.Errors.Count);
        Assert.StartsWith("a.yaml:", result.Errors[0], StringComparison.Ordinal);
        Assert.StartsWith("b.yaml:3:12:", result.Errors[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# no tenants yet\n")]
    [InlineData("---\n")]
    public void Parse_EmptyFile_SucceedsWithNoTenants(string text)
    {
        var result = Parse(("p.yaml", text));

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Empty(result.Policies!.Tenants);
    }

    [Fact]
    public void LoadDirectory_ReadsYamlAndYmlFilesOnly()
    {
        using var folder = new TempFolder();
        folder.Write("a.yaml", $"tenants:\n  acme:\n    keys: [\"{AcmeHash}\"]\n");
        folder.Write("b.yml", $"tenants:\n  beta:\n    keys: [\"{BetaHash}\"]\n");
        folder.Write("notes.txt", "not: [a policy");

        var result = PolicyParser.LoadDirectory(folder.Path);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(["acme", "beta"], result.Policies!.Tenants.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void LoadDirectory_ThatDoesNotExist_IsAnError()
    {
        var missing = Path.Combine(Path.GetTempPath(), "gg-no-such-folder-" + Guid.NewGuid().ToString("N"));

        var result = PolicyParser.LoadDirectory(missing);

        Assert.Null(result.Policies);
        Assert.Equal($"{missing}: the policies directory does not exist", Assert.Single(result.Errors));
    }

    [Fact]
    public void Batches_AndPreferRegion_AreRead_AndBadValuesNamed()
    {
        const string Good = """
            tenants:
              acme:
                keys: ["sha256:1111111111111111111111111111111111111111111111111111111111111111"]
                batches: { concurrency: 3, requests_per_second: 0.5, carbon_aware: false, budget: reserve_whole }
                cascade: { carbon_aware: { above_g_per_kwh: 300, prefer_region: { max_added_latency_ms: 40 } } }
            """;
        const string Bad = """
            tenants:
              acme:
                keys: ["sha256:1111111111111111111111111111111111111111111111111111111111111111"]
                batches: { concurrency: 0, speed: 3, carbon_aware: maybe, budget: everything }
            """;

        var tenant = Parse(("p.yaml", Good)).Policies!.Tenants["acme"];
        var errors = Parse(("p.yaml", Bad)).Errors;

        Assert.Equal(new GreenGateway.Core.Batches.BatchPolicy { Concurrency = 3, RequestsPerSecond = 0.5, CarbonAware = false, Budget = GreenGateway.Core.Batches.BatchBudgetMode.ReserveWhole }, tenant.Batches);
        Assert.Equal(GreenGateway.Core.Batches.BatchBudgetMode.Throttle, GreenGateway.Core.Batches.BatchPolicy.Default.Budget);
        Assert.Equal(40, tenant.Cascade.CarbonAware!.PreferRegionMaxAddedLatencyMs);
        Assert.Contains(errors, e => e.Contains("batches.concurrency must be a whole number from 1 to 1024", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("unknown setting 'speed'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("batches.carbon_aware is true or false", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("batches.budget is throttle or reserve_whole, not 'everything'", StringComparison.Ordinal));
    }

    private static PolicyLoadResult Parse(params (string Name, string Text)[] documents) => PolicyParser.Parse(documents);

    private static void AssertError(PolicyLoadResult result, string prefix) =>
        Assert.True(
            result.Errors.Any(e => e.StartsWith(prefix, StringComparison.Ordinal)),
            $"no error starts with \"{prefix}\"; errors:\n{string.Join("\n", result.Errors)}");
}
