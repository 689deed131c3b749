using GreenGateway.Configuration;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Energy;
using Microsoft.Extensions.Options;

namespace GreenGateway.Draft;

/// <summary>
/// Tier 2: the draft model answers alone when its confidence clears the tenant's bar (every token's probability
/// at least <see cref="DraftBar.MinTokenProbability"/>, mean entropy at most <see cref="DraftBar.MaxMeanEntropy"/>).
/// It stops as soon as a token falls below the bar and hands its run to the speculative tier, whose first round
/// verifies those tokens. Its energy is its measured CPU time times <see cref="DraftSettings.WattsPerCore"/> (or NVML).
/// </summary>
internal sealed class DraftTier(DraftModel draft, IOptions<GatewayConfig> options) : ITier
{
    public const string Name = CascadeTiers.Draft;

    private readonly SpeculativeSettings _speculative = options.Value.Cascade.Speculative;

    public CascadeTier Tier => CascadeTier.Draft;

    /// <summary>
    /// Renders and prefills the request on the draft, with room for <paramref name="room"/> more tokens; null when the
    /// draft cannot take it.
    /// </summary>
    public DraftRun? Start(TierRequest request, int room)
    {
        if (ChatPrompt.Messages(request.Request) is not { } messages || draft.Get() is not { } loaded)
        {
            return null;
        }

        string text;
        try
        {
            text = loaded.Template.Render(messages);
        }
        catch (Inference.Tokenization.Jinja.TemplateException)
        {
            // The draft's chat template refuses this conversation (a system message Gemma does not take, roles that
            // do not alternate for Mistral): the draft cannot answer it, a larger model may.
            return null;
        }

        var prompt = loaded.Tokenizer.Encode(text);
        return DraftRun.Start(loaded, prompt, room);
    }

    /// <summary>The cache room a run needs: the draft's own answer, or a speculative one where the plan allows it.</summary>
    public int Room(TierRequest request) => Math.Max(MaxTokens(request), request.Plan.Allows(CascadeTier.Speculative) ? SpeculativeRoom(request, _speculative) : 0);

    /// <summary>Room for a speculative answer: its most tokens and one round's proposals past them.</summary>
    public static int SpeculativeRoom(TierRequest request, SpeculativeSettings settings) => (request.Request.MaxTokens ?? settings.DefaultMaxTokens) + settings.MaxK + 1;

    public ValueTask<TierResult> TryAnswerAsync(TierRequest request, CancellationToken cancellationToken)
    {
        if (Start(request, Room(request)) is not { } run)
        {
            return ValueTask.FromResult(TierResult.Declined);
        }

        var plan = request.Plan;
        var bar = plan.Policy.DraftBar;
        var final = plan.DraftIsFinal;
        var max = MaxTokens(request);
        var keep = plan.Policy.Acceptance == AcceptanceMode.Sampling;
        var finished = false;
        while (run.Pending.Count < max && run.Room > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var token = run.ProposeNext(0, null, keep);
            if (run.Draft.IsEos(token))
            {
                finished = true;
                break;
            }

            if (!final && run.Confidence.MinProbability < bar.MinTokenProbability)
            {
                return ValueTask.FromResult(TierResult.DeclinedWith(run));
            }
        }

        if (!final && (!finished || !run.Confidence.Clears(bar)))
        {
            return ValueTask.FromResult(TierResult.DeclinedWith(run));
        }

        run.AcceptAll();
        var completion = finished ? run.Output[..^1] : run.Output;
        var text = run.Draft.Tokenizer.Decode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(completion), skipSpecialTokens: true);
        var usage = new TokenUsage(run.Prompt.Length, run.Output.Count, Counted: false);
        var (joules, _) = run.Energy(draft.Settings.WattsPerCore);
        var end = new AnswerEnd(finished ? "stop" : "length", usage, new TierWork(joules, EnergyMethod.Measured)) { DraftConfidence = run.Confidence };
        run.Dispose();
        return ValueTask.FromResult(TierResult.Answered(TierAnswer.Whole(Name, request.Request.Model, text, end)));
    }

    /// <summary>The most tokens the draft generates when answering alone.</summary>
    private int MaxTokens(TierRequest request) =>
        request.Plan.DraftIsFinal ? request.Request.MaxTokens ?? draft.Settings.MaxTokens : Math.Min(request.Request.MaxTokens ?? int.MaxValue, draft.Settings.MaxTokens);
}
