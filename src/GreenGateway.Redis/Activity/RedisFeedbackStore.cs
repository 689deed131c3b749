using System.Globalization;
using System.Text.Json;
using GreenGateway.Core.Activity;
using StackExchange.Redis;

namespace GreenGateway.Redis.Activity;

/// <summary>
/// Answers and verdicts in Redis, so that a verdict given to any replica judges an answer any replica delivered. Per
/// answer, a string <c>gg:ans:{tenant}:{id}</c> (JSON) and, once judged, <c>gg:verdict:{tenant}:{id}</c>, set with
/// <c>SET … GET</c> so that the verdict it replaces comes back atomically; both expire after the TTL. The tenant's newest
/// ids are a list <c>gg:recent:{tenant}</c> (200 kept). The tenant is a hash tag: one tenant's keys share a cluster slot,
/// so that the recent answers are read with one <c>MGET</c>.
/// </summary>
public sealed class RedisFeedbackStore(IConnectionMultiplexer redis) : IFeedbackStore
{
    private const int RecentKept = 200;

    public async ValueTask RememberAsync(AnsweredRequest answer, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var transaction = redis.GetDatabase().CreateTransaction();
        var value = JsonSerializer.Serialize(answer, FeedbackJson.Default.AnsweredRequest);
        _ = transaction.StringSetAsync(AnswerKey(answer.Tenant, answer.Id), value, ttl);
        _ = transaction.ListLeftPushAsync(RecentKey(answer.Tenant), answer.Id);
        _ = transaction.ListTrimAsync(RecentKey(answer.Tenant), 0, RecentKept - 1);
        _ = transaction.KeyExpireAsync(RecentKey(answer.Tenant), ttl);
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    public async ValueTask<JudgedAnswer?> FindAsync(string tenant, string id, CancellationToken cancellationToken)
    {
        var values = await redis.GetDatabase().StringGetAsync([AnswerKey(tenant, id), VerdictKey(tenant, id)]).ConfigureAwait(false);
        return Read(tenant, id, values[0], values[1]);
    }

    public async ValueTask<Verdict?> JudgeAsync(string tenant, string id, Verdict verdict, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var value = JsonSerializer.Serialize(verdict, FeedbackJson.Default.Verdict);
        var previous = await redis.GetDatabase().StringSetAndGetAsync(VerdictKey(tenant, id), value, ttl).ConfigureAwait(false);
        return previous.IsNullOrEmpty ? null : JsonSerializer.Deserialize((string)previous!, FeedbackJson.Default.Verdict);
    }

    public async ValueTask<IReadOnlyList<JudgedAnswer>> RecentAsync(string tenant, int count, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var ids = await db.ListRangeAsync(RecentKey(tenant), 0, count - 1).ConfigureAwait(false);
        if (ids.Length == 0)
        {
            return [];
        }

        var keys = new RedisKey[ids.Length * 2];
        for (var i = 0; i < ids.Length; i++)
        {
            keys[2 * i] = AnswerKey(tenant, ids[i]!);
            keys[(2 * i) + 1] = VerdictKey(tenant, ids[i]!);
        }

        var values = await db.StringGetAsync(keys).ConfigureAwait(false);
        var answers = new List<JudgedAnswer>(ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            if (Read(tenant, ids[i]!, values[2 * i], values[(2 * i) + 1]) is { } judged)
            {
                answers.Add(judged);
            }
        }

        return answers;
    }

    private static JudgedAnswer? Read(string tenant, string id, RedisValue answerJson, RedisValue verdictJson)
    {
        if (answerJson.IsNullOrEmpty || JsonSerializer.Deserialize((string)answerJson!, FeedbackJson.Default.AnsweredRequest) is not { } answer
            || answer.Tenant != tenant || answer.Id != id)
        {
            return null;
        }

        var verdict = verdictJson.IsNullOrEmpty ? null : JsonSerializer.Deserialize((string)verdictJson!, FeedbackJson.Default.Verdict);
        return new JudgedAnswer(answer, verdict);
    }

    private static RedisKey AnswerKey(string tenant, string id) => string.Create(CultureInfo.InvariantCulture, $"gg:ans:{{{tenant}}}:{id}");

    private static RedisKey VerdictKey(string tenant, string id) => string.Create(CultureInfo.InvariantCulture, $"gg:verdict:{{{tenant}}}:{id}");

    private static RedisKey RecentKey(string tenant) => string.Create(CultureInfo.InvariantCulture, $"gg:recent:{{{tenant}}}");
}

[System.Text.Json.Serialization.JsonSerializable(typeof(AnsweredRequest))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Verdict))]
internal sealed partial class FeedbackJson : System.Text.Json.Serialization.JsonSerializerContext;
