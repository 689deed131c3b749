using System.Collections.Concurrent;

namespace GreenGateway.Core.Activity;

/// <summary>Answers and verdicts of this process alone: at most <paramref name="capacity"/> answers, the oldest going first.</summary>
public sealed class InMemoryFeedbackStore(TimeProvider time, int capacity = 10_000) : IFeedbackStore
{
    private readonly ConcurrentDictionary<string, Entry> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    public ValueTask RememberAsync(AnsweredRequest answer, TimeSpan ttl, CancellationToken cancellationToken)
    {
        _answers[answer.Id] = new Entry(answer, null, time.GetUtcNow() + ttl);
        _order.Enqueue(answer.Id);
        while (_order.Count > capacity && _order.TryDequeue(out var oldest))
        {
            _answers.TryRemove(oldest, out _);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<JudgedAnswer?> FindAsync(string tenant, string id, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Live(tenant, id) is { } entry ? new JudgedAnswer(entry.Answer, entry.Verdict) : null);

    public ValueTask<Verdict?> JudgeAsync(string tenant, string id, Verdict verdict, TimeSpan ttl, CancellationToken cancellationToken)
    {
        while (Live(tenant, id) is { } entry)
        {
            if (_answers.TryUpdate(id, entry with { Verdict = verdict, Expires = Max(entry.Expires, time.GetUtcNow() + ttl) }, entry))
            {
                return ValueTask.FromResult(entry.Verdict);
            }
        }

        return ValueTask.FromResult<Verdict?>(null);
    }

    public ValueTask<IReadOnlyList<JudgedAnswer>> RecentAsync(string tenant, int count, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var recent = _answers.Values
            .Where(e => e.Answer.Tenant == tenant && e.Expires > now)
            .OrderByDescending(e => e.Answer.At)
            .Take(count)
            .Select(e => new JudgedAnswer(e.Answer, e.Verdict))
            .ToList();
        return ValueTask.FromResult<IReadOnlyList<JudgedAnswer>>(recent);
    }

    private Entry? Live(string tenant, string id) =>
        _answers.TryGetValue(id, out var entry) && entry.Answer.Tenant == tenant && entry.Expires > time.GetUtcNow() ? entry : null;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private sealed record Entry(AnsweredRequest Answer, Verdict? Verdict, DateTimeOffset Expires);
}
