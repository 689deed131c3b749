using GreenGateway.Core.Requests;

namespace GreenGateway.Core.Cascade;

/// <summary>
/// Scores drafted tokens with the large model in one call (speculative decoding's verification). The host's
/// implementation rides the upstream's cluster: its health checks, load balancing and retries before the first byte.
/// </summary>
public interface IVerifier
{
    /// <summary>
    /// Verifies <paramref name="drafted"/> after <paramref name="context"/> (token ids) at <paramref name="route"/>'s
    /// model; null when no destination answered usefully (the caller falls back to the large model alone).
    /// </summary>
    ValueTask<Verification?> VerifyAsync(ModelRoute route, IReadOnlyList<int> context, IReadOnlyList<int> drafted,
        double temperature, int topLogprobs, int? seed, CancellationToken cancellationToken);
}

/// <summary>What one verification call returned.</summary>
/// <param name="Tokens">The large model's view of each drafted token, in order.</param>
/// <param name="Next">The large model's own next token after all of them (its greedy or sampled choice).</param>
/// <param name="NextLogprob">That token's log-probability.</param>
/// <param name="ReportedJoules">IT energy the upstream reported for the call (usage.energy_joules or X-Energy-Joules), if any.</param>
/// <param name="UncachedPromptTokens">Prompt positions the upstream computed (not served from its prefix cache).</param>
public sealed record Verification(IReadOnlyList<VerifiedToken> Tokens, int Next, float NextLogprob, double? ReportedJoules, int UncachedPromptTokens);
