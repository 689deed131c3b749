namespace GreenGateway.Core.Activity;

/// <summary>
/// One answer the gateway delivered, remembered for <c>Feedback.TtlHours</c> so that its client may judge it and the
/// dashboard may list it.
/// </summary>
/// <param name="Id">The request id (<c>X-GG-Request-Id</c>).</param>
/// <param name="At">When it was settled.</param>
/// <param name="Joules">Facility joules charged.</param>
/// <param name="Grams">gCO2e charged.</param>
/// <param name="BaselineJoules">Joules the large model alone would have spent.</param>
/// <param name="BaselineMethod"><c>observed</c> or <c>modelled</c>.</param>
/// <param name="EnergyMethod"><c>measured</c>, <c>upstream-reported</c> or <c>modelled</c>.</param>
public sealed record AnsweredRequest(string Id, string Tenant, string Model, string Tier, DateTimeOffset At, double Joules, double Grams,
    double BaselineJoules, string BaselineMethod, string EnergyMethod, int PromptTokens, int CompletionTokens);

/// <summary>A client's verdict on an answer: useful or not, with an optional score in [0, 1].</summary>
public sealed record Verdict(bool Useful, double? Score, DateTimeOffset At);

/// <summary>An answer and the verdict on it, if any.</summary>
public sealed record JudgedAnswer(AnsweredRequest Answer, Verdict? Verdict);

/// <summary>
/// The answers of the last <c>Feedback.TtlHours</c> and their verdicts, per tenant: in process, or in Redis so that a
/// verdict given to any replica counts everywhere.
/// </summary>
public interface IFeedbackStore
{
    /// <summary>Remembers an answer for <paramref name="ttl"/>, and as the newest of its tenant's recent answers.</summary>
    ValueTask RememberAsync(AnsweredRequest answer, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>The tenant's answer by id and its verdict; null when there is none (unknown, expired, another tenant's).</summary>
    ValueTask<JudgedAnswer?> FindAsync(string tenant, string id, CancellationToken cancellationToken);

    /// <summary>Sets the verdict on the tenant's answer; returns the verdict it replaced.</summary>
    ValueTask<Verdict?> JudgeAsync(string tenant, string id, Verdict verdict, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>The tenant's newest answers still remembered, newest first, at most <paramref name="count"/>.</summary>
    ValueTask<IReadOnlyList<JudgedAnswer>> RecentAsync(string tenant, int count, CancellationToken cancellationToken);
}
