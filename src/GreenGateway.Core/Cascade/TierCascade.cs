namespace GreenGateway.Core.Cascade;

/// <summary>
/// The cascade below the large model: tries each tier the plan allows, cheapest first, and returns the first answer.
/// A tier that throws is logged through <paramref name="onTierFailed"/> and counted as declined (the tiers are
/// optimisations: the large model can still answer). Work a declining tier hands on is passed to the next, and
/// whatever is handed on is owned by the returned <see cref="CascadeOutcome"/>.
/// </summary>
public sealed class TierCascade(IEnumerable<ITier> tiers, Action<CascadeTier, Exception>? onTierFailed = null)
{
    private readonly ITier[] _tiers = [.. tiers.OrderBy(static t => (int)t.Tier)];

    public async ValueTask<CascadeOutcome> RunAsync(TierRequest request, CancellationToken cancellationToken)
    {
        var outcome = new CascadeOutcome();
        foreach (var tier in _tiers)
        {
            if (!request.Plan.Allows(tier.Tier))
            {
                continue;
            }

            TierResult result;
            try
            {
                result = await tier.TryAnswerAsync(request with { Handover = outcome.Handover }, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                onTierFailed?.Invoke(tier.Tier, e);
                continue;
            }

            if (result.Handover is { } handover && !ReferenceEquals(handover, outcome.Handover))
            {
                await outcome.HandOverAsync(handover);
            }

            if (result.Answer is { } answer)
            {
                outcome.Answer = answer;
                return outcome;
            }
        }

        return outcome;
    }
}

/// <summary>The cascade's answer (null when no tier answered) and what it owns until the answer is written.</summary>
public sealed class CascadeOutcome : IAsyncDisposable
{
    public TierAnswer? Answer { get; internal set; }

    /// <summary>The last work handed on (the draft's run); the outcome disposes it.</summary>
    public IAsyncDisposable? Handover { get; private set; }

    internal async ValueTask HandOverAsync(IAsyncDisposable handover)
    {
        if (Handover is not null)
        {
            await Handover.DisposeAsync();
        }

        Handover = handover;
    }

    public async ValueTask DisposeAsync()
    {
        if (Answer is not null)
        {
            await Answer.DisposeAsync();
        }

        if (Handover is not null)
        {
            await Handover.DisposeAsync();
        }
    }
}
