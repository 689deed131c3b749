using System.Text.Json;
using GreenGateway.Accounting;
using GreenGateway.Core.Cache;
using GreenGateway.Core.Cascade;

namespace GreenGateway.Answers;

/// <summary>
/// The one place the gateway's figures take their shape on the wire: the <c>X-GG-*</c> headers and the members it
/// adds to <c>usage</c>, for local answers, cache replays, the upstream splice and the usage chunk of streams alike.
/// </summary>
internal static class FigureFormat
{
    public static void WriteHeaders(IHeaderDictionary headers, in RequestFigures figures)
    {
        headers["X-GG-Energy-J"] = RequestFigures.Format(figures.Energy.Joules);
        headers["X-GG-Carbon-g"] = RequestFigures.Format(figures.CarbonGrams);
        headers["X-GG-Baseline-Energy-J"] = RequestFigures.Format(figures.BaselineJoules);
        headers["X-GG-Energy-Method"] = figures.MethodName;
        headers["X-GG-Baseline-Method"] = figures.BaselineMethodName;
    }

    /// <summary>The headers that say which tier answered and what it knew before answering.</summary>
    public static void WriteTierHeaders(IHeaderDictionary headers, string tier, TierDetails details)
    {
        headers["X-GG-Tier"] = tier;
        if (details.Rule is { } rule)
        {
            headers["X-GG-Rule"] = rule;
        }

        if (details.Cache is { } hit)
        {
            headers["X-GG-Cache"] = hit.Kind == CacheLookupKind.ExactHit ? "exact" : "semantic";
            headers["X-GG-Cache-Similarity"] = RequestFigures.Format(hit.Similarity);
            if (hit.FromDraft)
            {
                headers["X-GG-Cache-Source"] = "draft";
            }
        }
    }

    /// <summary>The headers known once a non-streamed answer has ended (the draft's confidence, speculation's acceptance).</summary>
    public static void WriteEndHeaders(IHeaderDictionary headers, AnswerEnd end, string tier)
    {
        if (tier == CascadeTiers.Draft && end.DraftConfidence is { } confidence)
        {
            headers["X-GG-Draft-Confidence"] = RequestFigures.Format(Math.Round(confidence.MinProbability, 4));
        }

        if (end.Speculative is { } speculative)
        {
            headers["X-GG-Acceptance-Rate"] = RequestFigures.Format(Math.Round(speculative.AcceptanceRate, 4));
        }
    }

    /// <summary>
    /// Writes the gateway's members of a <c>usage</c> object (inside an object the caller opened): the token counts when
    /// <paramref name="withTokens"/>, then energy, carbon, the baseline, their methods, the tier and speculation's rounds.
    /// </summary>
    public static void WriteUsageMembers(Utf8JsonWriter writer, in RequestFigures figures, string tier, bool withTokens, SpeculativeStats? speculative = null)
    {
        if (withTokens)
        {
            writer.WriteNumber("prompt_tokens"u8, figures.Usage.PromptTokens);
            writer.WriteNumber("completion_tokens"u8, figures.Usage.CompletionTokens);
            writer.WriteNumber("total_tokens"u8, (long)figures.Usage.PromptTokens + figures.Usage.CompletionTokens);
        }

        writer.WriteNumber("energy_joules"u8, figures.Energy.Joules);
        writer.WriteNumber("carbon_gco2e"u8, figures.CarbonGrams);
        writer.WriteNumber("baseline_energy_joules"u8, figures.BaselineJoules);
        writer.WriteString("energy_method"u8, figures.MethodName);
        writer.WriteString("baseline_method"u8, figures.BaselineMethodName);
        writer.WriteString("tier"u8, tier);
        if (speculative is not null)
        {
            writer.WriteStartObject("speculative"u8);
            writer.WriteNumber("proposed"u8, speculative.Proposed);
            writer.WriteNumber("accepted"u8, speculative.Accepted);
            writer.WriteNumber("verify_calls"u8, speculative.VerifyCalls);
            writer.WriteNumber("acceptance_rate"u8, Math.Round(speculative.AcceptanceRate, 4));
            writer.WriteNumber("k"u8, Math.Round(speculative.MeanK, 3));
            writer.WriteNumber("tokens_per_call"u8, Math.Round(speculative.TokensPerCall, 3));
            writer.WriteNumber("draft_joules"u8, Math.Round(speculative.DraftJoules, 6));
            writer.WriteNumber("verify_joules"u8, Math.Round(speculative.VerifyJoules, 6));
            writer.WriteEndObject();
        }
    }

    /// <summary>
    /// A Responses API <c>usage</c> object's members (inside an object the caller opened): <c>input_tokens</c>,
    /// <c>output_tokens</c> and <c>total_tokens</c> with their details when <paramref name="withTokens"/>, then the same
    /// figures as chat completions carry.
    /// </summary>
    public static void WriteResponsesUsageMembers(Utf8JsonWriter writer, in RequestFigures figures, string tier, bool withTokens, SpeculativeStats? speculative = null)
    {
        if (withTokens)
        {
            writer.WriteNumber("input_tokens"u8, figures.Usage.PromptTokens);
            writer.WriteStartObject("input_tokens_details"u8);
            writer.WriteNumber("cached_tokens"u8, 0);
            writer.WriteEndObject();
            writer.WriteNumber("output_tokens"u8, figures.Usage.CompletionTokens);
            writer.WriteStartObject("output_tokens_details"u8);
            writer.WriteNumber("reasoning_tokens"u8, 0);
            writer.WriteEndObject();
            writer.WriteNumber("total_tokens"u8, (long)figures.Usage.PromptTokens + figures.Usage.CompletionTokens);
        }

        WriteUsageMembers(writer, figures, tier, withTokens: false, speculative);
    }

    /// <summary>Whether a usage member is one the gateway writes (an upstream that already has them is rewritten, not spliced).</summary>
    public static bool IsFigureName(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("energy_joules"u8) || reader.ValueTextEquals("carbon_gco2e"u8) || reader.ValueTextEquals("baseline_energy_joules"u8)
        || reader.ValueTextEquals("energy_method"u8) || reader.ValueTextEquals("baseline_method"u8) || reader.ValueTextEquals("tier"u8);
}
