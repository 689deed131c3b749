using GreenGateway.Accounting;
using GreenGateway.Cascade;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Energy;
using GreenGateway.Proxy;

namespace GreenGateway.Draft;

/// <summary>
/// Tier 2: the draft model answers alone when its confidence clears the tenant's bar (every token's probability
/// at least <see cref="DraftBar.MinTokenProbability"/>, mean entropy at most <see cref="DraftBar.MaxMeanEntropy"/>).
/// It stops as soon as a token falls below the bar and hands its tokens to the speculative tier as the first
/// draft. Its energy is its measured CPU time times <see cref="Configuration.DraftSettings.WattsPerCore"/>.
/// </summary>
internal sealed class DraftTier(DraftModel draft, EnergyAccountant accountant)
{
    public const string Name = CascadeTiers.Draft;

    /// <summary>Renders and prefills the request on the draft; null when the draft cannot take it.</summary>
    public DraftRun? Start(GatewayExchange exchange, int room)
    {
        if (ChatPrompt.Messages(exchange.Request) is not { } messages || draft.Get() is not { } loaded)
        {
            return null;
        }

        var prompt = loaded.Tokenizer.Encode(loaded.Template.Render(messages));
        return DraftRun.Start(loaded, prompt, room);
    }

    /// <summary>The most tokens the draft generates when answering alone.</summary>
    public int MaxTokens(GatewayExchange exchange, bool final) =>
        final ? exchange.Request.MaxTokens ?? draft.Settings.MaxTokens : Math.Min(exchange.Request.MaxTokens ?? int.MaxValue, draft.Settings.MaxTokens);

    public async Task<bool> TryAnswerAsync(HttpContext context, GatewayExchange exchange, DraftRun run, CascadePlan plan)
    {
        var bar = plan.Policy.DraftBar;
        var final = plan.DraftIsFinal;
        var max = MaxTokens(exchange, final);
        var keep = plan.Policy.Acceptance == AcceptanceMode.Sampling;
        var finished = false;
        while (run.Pending.Count < max && run.Room > 0)
        {
            var token = run.ProposeNext(0, null, keep);
            if (run.Draft.IsEos(token))
            {
                finished = true;
                break;
            }

            if (!final && run.Confidence.MinProbability < bar.MinTokenProbability)
            {
                return false;
            }
        }

        exchange.DraftConfidence = run.Confidence;
        if (!final && (!finished || !run.Confidence.Clears(bar)))
        {
            return false;
        }

        run.AcceptAll();
        var completion = finished ? run.Output[..^1] : run.Output;
        var text = run.Draft.Tokenizer.Decode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(completion), skipSpecialTokens: true);
        var usage = new TokenUsage(run.Prompt.Length, run.Output.Count, Counted: false);
        var (joules, _) = run.Energy(draft.Settings.WattsPerCore);
        var figures = accountant.PriceMeasured(new EnergyFigure(joules, EnergyMethod.Measured), usage, exchange.Grid, accountant.Baseline(exchange.Route, usage));
        exchange.Tier = Name;
        exchange.LocalAnswer = (text, finished ? "stop" : "length");
        context.Response.Headers["X-GG-Draft-Confidence"] = RequestFigures.Format(Math.Round(run.Confidence.MinProbability, 4));
        await LocalAnswerWriter.WriteAsync(context, exchange, exchange.Request.Model, text, finished ? "stop" : "length", figures);
        return true;
    }
}
