using GreenGateway.Core.Cache;
using GreenGateway.Core.Energy;

namespace GreenGateway.Core.Cascade;

/// <summary>Receives an answer's text as it becomes final (the host writes it as JSON or SSE).</summary>
public interface IAnswerSink
{
    ValueTask WriteAsync(string text, CancellationToken cancellationToken);
}

/// <summary>
/// An answer one of the gateway's own tiers produced: whole (<see cref="Text"/> and <see cref="End"/>), or produced
/// piece by piece into a sink (<see cref="Produce"/>, the speculative tier's, whose tokens are final round by round).
/// Disposing it releases what it holds (the draft's KV cache).
/// </summary>
public sealed class TierAnswer : IAsyncDisposable
{
    private TierAnswer(string tier, string model)
    {
        Tier = tier;
        Model = model;
    }

    /// <summary>The tier's name (<see cref="CascadeTiers"/>), as in <c>X-GG-Tier</c>.</summary>
    public string Tier { get; }

    /// <summary>The model name the answer reports.</summary>
    public string Model { get; }

    /// <summary>The whole text, for an answer known at once; null for a produced one.</summary>
    public string? Text { get; private init; }

    /// <summary>How a whole answer ended and what it cost; a produced one returns its end from <see cref="Produce"/>.</summary>
    public AnswerEnd? End { get; private init; }

    /// <summary>Writes the answer's pieces to the sink as they become final and returns how it ended.</summary>
    public Func<IAnswerSink, CancellationToken, ValueTask<AnswerEnd>>? Produce { get; private init; }

    /// <summary>What the tier knew before it answered (the rule, the cache hit).</summary>
    public TierDetails Details { get; private init; } = TierDetails.None;

    /// <summary>What the answer holds until it is written (the draft's run).</summary>
    public IAsyncDisposable? Resources { get; private init; }

    public static TierAnswer Whole(string tier, string model, string text, AnswerEnd end, TierDetails? details = null, IAsyncDisposable? resources = null) =>
        new(tier, model) { Text = text, End = end, Details = details ?? TierDetails.None, Resources = resources };

    public static TierAnswer Produced(string tier, string model, Func<IAnswerSink, CancellationToken, ValueTask<AnswerEnd>> produce, IAsyncDisposable? resources = null) =>
        new(tier, model) { Produce = produce, Resources = resources };

    /// <summary>Runs the answer into <paramref name="sink"/>: the whole text at once, or as produced.</summary>
    public async ValueTask<AnswerEnd> WriteToAsync(IAnswerSink sink, CancellationToken cancellationToken)
    {
        if (Produce is { } produce)
        {
            return await produce(sink, cancellationToken);
        }

        await sink.WriteAsync(Text!, cancellationToken);
        return End!;
    }

    public ValueTask DisposeAsync() => Resources?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>How an answer ended, the tokens it used and the work it took.</summary>
/// <param name="FinishReason">OpenAI's finish_reason (<c>stop</c>, <c>length</c>); null when it failed part-way.</param>
/// <param name="Usage">Prompt and completion tokens.</param>
/// <param name="Work">The energy of the work done, and how it was obtained.</param>
public sealed record AnswerEnd(string? FinishReason, TokenUsage Usage, TierWork Work)
{
    /// <summary>Why the answer stopped part-way (the large model stopped answering verification calls); null when it finished.</summary>
    public string? Failure { get; init; }

    /// <summary>The draft's confidence over the tokens it generated for this answer, when it generated.</summary>
    public DraftConfidence? DraftConfidence { get; init; }

    /// <summary>The speculative rounds, when the answer was verified by the large model.</summary>
    public SpeculativeStats? Speculative { get; init; }
}

/// <summary>
/// The energy of a tier's work: IT joules (before PUE) and how they were obtained. The counterfactual is always
/// priced by the host, on today's footing (a cache hit's too: the figure stored with the original answer may have
/// been modelled then).
/// </summary>
public readonly record struct TierWork(double ItJoules, EnergyMethod Method);

/// <summary>What a tier reports about itself beyond the figures.</summary>
public sealed record TierDetails
{
    public static TierDetails None { get; } = new();

    /// <summary>The rule that answered (tier rules).</summary>
    public string? Rule { get; init; }

    /// <summary>The cache hit that answered (tier cache).</summary>
    public CacheHit? Cache { get; init; }
}

/// <summary>A cache hit: how it matched, and the answer's origin.</summary>
/// <param name="Kind">Exact or semantic.</param>
/// <param name="Similarity">The cosine of the match (1 for an exact hit).</param>
/// <param name="FromDraft">The cached answer was the draft model's, not the large model's.</param>
/// <param name="ResponseJson">The original chat.completion body, replayed for clients that do not stream.</param>
public sealed record CacheHit(CacheLookupKind Kind, double Similarity, bool FromDraft, string ResponseJson);

/// <summary>One answer's speculative rounds, as <c>usage.speculative</c> reports them.</summary>
public sealed record SpeculativeStats(int Proposed, int Accepted, int VerifyCalls, double DraftJoules, double VerifyJoules)
{
    public double AcceptanceRate => Proposed == 0 ? 0 : (double)Accepted / Proposed;

    /// <summary>Mean drafted tokens per verification call.</summary>
    public double MeanK => VerifyCalls == 0 ? 0 : (double)Proposed / VerifyCalls;

    /// <summary>Tokens made final per verification call (accepted plus the large model's own).</summary>
    public double TokensPerCall => VerifyCalls == 0 ? 0 : (double)(Accepted + VerifyCalls) / VerifyCalls;
}
