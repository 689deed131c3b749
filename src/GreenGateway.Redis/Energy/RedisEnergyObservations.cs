using System.Globalization;
using GreenGateway.Core.Energy;
using StackExchange.Redis;

namespace GreenGateway.Redis.Energy;

/// <summary>
/// The counterfactual's observations in Redis, so that every replica fits each large model from what all replicas
/// observed: one list per model (<c>gg:baseline:{model}</c>), newest first, trimmed to <see cref="Capacity"/> entries in
/// the same transaction as the push. An entry is <c>unix-ms prompt completion joules</c>.
/// </summary>
public sealed class RedisEnergyObservations(IConnectionMultiplexer redis, int capacity = InMemoryEnergyObservations.DefaultCapacity) : IEnergyObservations
{
    public int Capacity { get; } = capacity;

    public async ValueTask AddAsync(string model, EnergyObservation observation, CancellationToken cancellationToken)
    {
        var key = Key(model);
        var entry = string.Create(CultureInfo.InvariantCulture,
            $"{observation.At.ToUnixTimeMilliseconds()} {observation.PromptTokens} {observation.CompletionTokens} {observation.ItJoules:R}");
        var transaction = redis.GetDatabase().CreateTransaction();
        _ = transaction.ListLeftPushAsync(key, entry);
        _ = transaction.ListTrimAsync(key, 0, Capacity - 1);
        await transaction.ExecuteAsync();
    }

    public async ValueTask<IReadOnlyList<EnergyObservation>> RecentAsync(string model, CancellationToken cancellationToken)
    {
        var entries = await redis.GetDatabase().ListRangeAsync(Key(model), 0, Capacity - 1);
        var observations = new List<EnergyObservation>(entries.Length);
        foreach (var entry in entries)
        {
            var parts = ((string?)entry ?? "").Split(' ');
            if (parts.Length == 4
                && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
                && int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var prompt)
                && int.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var completion)
                && double.TryParse(parts[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var joules))
            {
                observations.Add(new EnergyObservation(DateTimeOffset.FromUnixTimeMilliseconds(ms), prompt, completion, joules));
            }
        }

        return observations;
    }

    /// <summary>The model's list; a hash tag keeps it on one cluster node.</summary>
    private static RedisKey Key(string model) => $"gg:baseline:{{{model}}}";
}
