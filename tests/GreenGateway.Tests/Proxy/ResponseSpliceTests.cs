using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Accounting;
using GreenGateway.Core.Energy;
using static GreenGateway.Proxy.GatewayResponseTransform;

namespace GreenGateway.Proxy.Tests;

/// <summary>
/// The figures spliced into an upstream's JSON body read exactly as the JsonNode rewrite they replace would
/// have written them, whatever the body's shape, and the upstream's own bytes are kept as sent.
/// </summary>
public sealed class ResponseSpliceTests
{
    private static readonly RequestFigures Figures =
        new(new EnergyFigure(11.6688, EnergyMethod.Modelled), 0.0015331733333333333, 11.6688, new TokenUsage(12, 16, Counted: false));

    [Theory]
    [InlineData("""{"id":"x","choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":12,"completion_tokens":16,"total_tokens":28}}""")]
    [InlineData("""{ "usage" : { "prompt_tokens" : 12 } , "id" : "x" }""")]
    [InlineData("""{"usage":{},"id":"x"}""")]
    [InlineData("""{"id":"x","usage":null}""")]
    [InlineData("""{"id":"x","usage":[1,2]}""")]
    [InlineData("""{"id":"x","choices":[{"message":{"content":"caf\u00e9 \"quoted\" ünïcode"}}]}""")]
    [InlineData("""{}""")]
    [InlineData(" \n{\"nested\":{\"usage\":{\"prompt_tokens\":1}},\"x\":[{}]}\n ")]
    public void Splice_ReadsAsTheJsonNodeRewrite(string upstream)
    {
        var body = Encoding.UTF8.GetBytes(upstream);
        var site = LocateUsage(body);
        Assert.NotEqual(UsageSiteKind.NotAnObject, site.Kind);
        Assert.NotEqual(UsageSiteKind.Rewrite, site.Kind);

        var spliced = Splice(body, site);

        Assert.True(JsonNode.DeepEquals(Rewritten(upstream), JsonNode.Parse(spliced)), Encoding.UTF8.GetString(spliced));
    }

    [Fact]
    public void Splice_KeepsTheUpstreamsBytesAroundTheFigures()
    {
        const string upstream = """{"content":"caf\u00e9 é <b>","usage":{"prompt_tokens":12,"completion_tokens":16}}""";
        var body = Encoding.UTF8.GetBytes(upstream);

        var spliced = Encoding.UTF8.GetString(Splice(body, LocateUsage(body)));

        Assert.StartsWith("""{"content":"caf\u00e9 é <b>","usage":{"prompt_tokens":12,"completion_tokens":16,"energy_joules":11.6688,""", spliced, StringComparison.Ordinal);
        Assert.EndsWith("""
            "energy_method":"modelled","baseline_method":"modelled","tier":"upstream"}}
            """, spliced, StringComparison.Ordinal);
    }

    [Fact]
    public void LocateUsage_ReadsTheReportedTokens()
    {
        var site = LocateUsage("""{"usage":{"completion_tokens":7,"prompt_tokens":5,"total_tokens":12}}"""u8);

        Assert.Equal(new TokenUsage(5, 7, Counted: false), site.Reported);
    }

    [Theory]
    [InlineData("""{"usage":{"completion_tokens":7}}""")]
    [InlineData("""{"usage":{"prompt_tokens":"5"}}""")]
    [InlineData("""{"usage":{"prompt_tokens":5.5}}""")]
    [InlineData("""{"id":"x"}""")]
    public void LocateUsage_WithoutAReadablePromptCount_ReportsNone(string upstream)
    {
        Assert.Null(LocateUsage(Encoding.UTF8.GetBytes(upstream)).Reported);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("""{"a":1} {"b":2}""")]
    [InlineData("""{"a":1,}""")]
    [InlineData("""{"a":1""")]
    public void LocateUsage_OfWhatIsNotOneJsonObject_RelaysItAsSent(string upstream)
    {
        Assert.Equal(UsageSiteKind.NotAnObject, LocateUsage(Encoding.UTF8.GetBytes(upstream)).Kind);
    }

    [Theory]
    [InlineData("""{"usage":{"prompt_tokens":1,"energy_joules":3}}""")]
    [InlineData("""{"usage":{"prompt_tokens":1},"usage":{"prompt_tokens":2}}""")]
    public void LocateUsage_OfFiguresAlreadyThere_LeavesItToTheRewrite(string upstream)
    {
        Assert.Equal(UsageSiteKind.Rewrite, LocateUsage(Encoding.UTF8.GetBytes(upstream)).Kind);
    }

    private static byte[] Splice(byte[] body, UsageSite site)
    {
        var middle = FormatFigures(site, Figures, out var prefix);
        return [.. body.AsSpan(0, site.Start), .. prefix, .. middle, .. body.AsSpan(site.End)];
    }

    /// <summary>What the gateway wrote before the splice: parse, set the figures in usage, serialize.</summary>
    private static JsonNode Rewritten(string upstream)
    {
        var root = JsonNode.Parse(upstream)!.AsObject();
        if (root["usage"] is not JsonObject usage)
        {
            usage = new JsonObject
            {
                ["prompt_tokens"] = Figures.Usage.PromptTokens,
                ["completion_tokens"] = Figures.Usage.CompletionTokens,
                ["total_tokens"] = Figures.Usage.TotalTokens,
            };
            root["usage"] = usage;
        }

        usage["energy_joules"] = Figures.Energy.Joules;
        usage["carbon_gco2e"] = Figures.CarbonGrams;
        usage["baseline_energy_joules"] = Figures.BaselineJoules;
        usage["energy_method"] = Figures.MethodName;
        usage["baseline_method"] = Figures.BaselineMethodName;
        usage["tier"] = "upstream";
        return JsonNode.Parse(JsonSerializer.Serialize(root))!;
    }
}
