using System.Text.Json.Nodes;
using GreenGateway.Cli.Evaluation;

namespace GreenGateway.Cli.Bench;

/// <summary>
/// Prices one answer's work. Each view prices every model the same way, so that a ratio never divides one kind of
/// figure by another: <see cref="ProfilePricing"/> from declared coefficients (the draft as the 1B-class model it stands
/// for, the large model as an 8B one), <see cref="MeasuredCallPricing"/> from per-call costs measured on a GPU.
/// </summary>
internal interface IAnswerPricing
{
    string Name { get; }

    /// <summary>The draft model generating <paramref name="completion"/> tokens after <paramref name="prompt"/>.</summary>
    double Draft(int prompt, int completion);

    /// <summary>The large model answering alone.</summary>
    double Target(int prompt, int completion);

    /// <summary>One verification call scoring <paramref name="k"/> drafted tokens after <paramref name="newPositions"/> uncached ones.</summary>
    double Verify(int newPositions, double k);
}

/// <summary>Joules from per-token coefficients (appsettings.json's Energy.Profiles) at a PUE.</summary>
internal sealed record ProfilePricing(string Name, (double Request, double Prompt, double Completion) DraftProfile,
    (double Request, double Prompt, double Completion) TargetProfile, double Pue) : IAnswerPricing
{
    public double Draft(int prompt, int completion) => Pue * (DraftProfile.Request + (prompt * DraftProfile.Prompt) + (completion * DraftProfile.Completion));

    public double Target(int prompt, int completion) => Pue * (TargetProfile.Request + (prompt * TargetProfile.Prompt) + (completion * TargetProfile.Completion));

    // A verification call prefills its new positions and the k drafted tokens, and decodes one.
    public double Verify(int newPositions, double k) => Pue * (TargetProfile.Request + ((newPositions + k) * TargetProfile.Prompt) + TargetProfile.Completion);

    /// <summary>Reads two profiles from an appsettings.json.</summary>
    public static ProfilePricing FromSettings(string path, string draft, string target)
    {
        var energy = JsonNode.Parse(File.ReadAllText(path))!["Energy"]!;
        (double, double, double) Read(string name)
        {
            var p = energy["Profiles"]![name] ?? throw new InvalidOperationException($"no Energy.Profiles.{name} in {path}");
            return (p["JoulesPerRequest"]?.GetValue<double>() ?? 0, p["JoulesPerPromptToken"]!.GetValue<double>(), p["JoulesPerCompletionToken"]!.GetValue<double>());
        }

        return new ProfilePricing($"modelled ({draft} draft, {target} target)", Read(draft), Read(target), energy["Pue"]?.GetValue<double>() ?? 1);
    }
}

/// <summary>
/// Joules from per-call costs measured on a GPU (models/profiles/h200.json, batch 1, idle power included): a decoded
/// token, a prefilled position, a verification call of k drafted tokens (interpolated between the measured k).
/// </summary>
internal sealed record MeasuredCallPricing(string Name, double DraftDecode, double DraftPrefill, double TargetDecode, double TargetPrefill,
    IReadOnlyList<(int K, double Joules)> TargetVerify, double Pue) : IAnswerPricing
{
    public double Draft(int prompt, int completion) => Pue * ((prompt * DraftPrefill) + (completion * DraftDecode));

    public double Target(int prompt, int completion) => Pue * ((prompt * TargetPrefill) + (completion * TargetDecode));

    public double Verify(int newPositions, double k)
    {
        var points = TargetVerify;
        var call = points[0].Joules;
        for (var i = 1; i < points.Count; i++)
        {
            if (k <= points[i].K)
            {
                var t = (k - points[i - 1].K) / (points[i].K - points[i - 1].K);
                call = points[i - 1].Joules + (Math.Clamp(t, 0, 1) * (points[i].Joules - points[i - 1].Joules));
                break;
            }

            call = points[i].Joules;
        }

        return Pue * (call + (newPositions * TargetPrefill));
    }

    public static MeasuredCallPricing FromProfile(string path, string draft, string target, double pue)
    {
        var root = JsonNode.Parse(File.ReadAllText(path))!;
        JsonNode Backend(string model)
        {
            var backends = root["models"]![model]!["backends"]!.AsObject();
            return backends[root["default_backend"]!.GetValue<string>()] ?? backends.First().Value!;
        }

        var d = Backend(draft);
        var t = Backend(target);
        var verify = t["verify"]!.AsObject().Select(kv => (int.Parse(kv.Key, System.Globalization.CultureInfo.InvariantCulture), kv.Value!["joules"]!.GetValue<double>()))
            .OrderBy(x => x.Item1).ToList();
        return new MeasuredCallPricing($"trace-driven, per-call costs measured on {root["device"]?.GetValue<string>() ?? "a GPU"} ({draft} draft, {target} target, batch 1)",
            d["decode"]!["1"]!["joules_per_token"]!.GetValue<double>(), d["prefill"]!["joules_per_token"]!.GetValue<double>(),
            t["decode"]!["1"]!["joules_per_token"]!.GetValue<double>(), t["prefill"]!["joules_per_token"]!.GetValue<double>(), verify, pue);
    }
}

/// <summary>One view's figures: both arms priced the same way.</summary>
internal sealed record ViewStats(string Name, double CascadeJoules, double UpstreamJoules, int CascadeCorrect, int UpstreamCorrect)
{
    public double Ratio => CascadeCorrect == 0 || UpstreamCorrect == 0 ? 0 : (UpstreamJoules / UpstreamCorrect) / (CascadeJoules / CascadeCorrect);

    /// <summary>
    /// Re-prices every answer from what it did (its tier, tokens, speculative rounds), the gateway's own cheap tiers (rules,
    /// cache) as they were measured: they are CPU work of microseconds in any view.
    /// </summary>
    public static ViewStats Price(IAnswerPricing pricing, IReadOnlyList<BenchItemResult> results)
    {
        double cascade = 0, upstream = 0;
        int cascadeCorrect = 0, upstreamCorrect = 0;
        foreach (var r in results)
        {
            cascade += Cascade(pricing, r.Cascade);
            upstream += r.Upstream.Ok ? pricing.Target(r.Upstream.PromptTokens, r.Upstream.CompletionTokens) : 0;
            cascadeCorrect += r.Cascade.Ok && AnswerCheck.IsCorrect(r.Cascade.Content ?? "", r.Item.GroundTruth, r.Item.Check) ? 1 : 0;
            upstreamCorrect += r.Upstream.Ok && AnswerCheck.IsCorrect(r.Upstream.Content ?? "", r.Item.GroundTruth, r.Item.Check) ? 1 : 0;
        }

        return new ViewStats(pricing.Name, cascade, upstream, cascadeCorrect, upstreamCorrect);
    }

    private static double Cascade(IAnswerPricing pricing, BenchResponse answer)
    {
        if (!answer.Ok)
        {
            return 0;
        }

        switch (answer.Tier)
        {
            case "draft":
                return pricing.Draft(answer.PromptTokens, answer.CompletionTokens);
            case "speculative" when answer.Speculative is { } s && s.VerifyCalls > 0:
                // The draft prefilled the prompt and proposed every drafted token; each call verified about k of them, the
                // first after the whole prompt, the others after the one token of the large model's own the last call added.
                var k = (double)s.Proposed / s.VerifyCalls;
                return pricing.Draft(answer.PromptTokens, (int)s.Proposed)
                    + pricing.Verify(answer.PromptTokens, k) + ((s.VerifyCalls - 1) * pricing.Verify(1, k));
            case "upstream":
                return pricing.Target(answer.PromptTokens, answer.CompletionTokens);
            default:
                return answer.EnergyJoules;
        }
    }
}
