using System.Collections.Concurrent;
using GreenGateway.Core.Energy;

namespace GreenGateway.Accounting;

/// <summary>
/// What each large model would have spent on a request, fitted from its own answers (<see cref="BaselineFit"/>): every
/// whole answer whose energy the upstream measured and reported is an observation (verification calls are not: their
/// cost is not the shape of an answer's), kept in
/// <see cref="IEnergyObservations"/> (in process, or the shared state every replica writes and reads). The fit is
/// refreshed after new observations and at least every <see cref="RefreshInterval"/>, so that one replica follows
/// what the others observe. Until <see cref="BaselineFit.IsObserved"/>, the counterfactual is the model's energy
/// profile, labelled <c>modelled</c>, and no decision is taken on it.
/// </summary>
internal sealed partial class Counterfactual(IEnergyObservations store, BaselineFitOptions options, TimeProvider time, ILogger<Counterfactual> logger)
{
    /// <summary>How often a model's fit is read again from the store when nothing was observed here.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, ModelFit> _models = new(StringComparer.Ordinal);

    public BaselineFitOptions Options => options;

    /// <summary>Records an answer of <paramref name="model"/> that cost <paramref name="itJoules"/> (IT, as measured or reported).</summary>
    public void Observe(string model, int promptTokens, int completionTokens, double itJoules)
    {
        if (!double.IsFinite(itJoules) || itJoules < 0)
        {
            return;
        }

        var state = _models.GetOrAdd(model, static _ => new ModelFit());
        var added = store.AddAsync(model, new EnergyObservation(time.GetUtcNow(), promptTokens, completionTokens, itJoules), CancellationToken.None);
        if (added.IsCompletedSuccessfully)
        {
            Refresh(model, state);
            return;
        }

        _ = AddThenRefreshAsync(model, state, added);
    }

    /// <summary>The model's current fit when it may stand for the model (observed), else null (the profile applies).</summary>
    public BaselineFit? Observed(string model)
    {
        var state = _models.GetOrAdd(model, static _ => new ModelFit());
        if (time.GetUtcNow() - state.FittedAt > RefreshInterval)
        {
            Refresh(model, state);
        }

        return state.Fit is { } fit && fit.IsObserved(options, time.GetUtcNow()) ? fit : null;
    }

    /// <summary>The model's last fit, observed or not (for reports).</summary>
    public BaselineFit? Latest(string model) => _models.TryGetValue(model, out var state) ? state.Fit : null;

    /// <summary>The models with a fit.</summary>
    public IEnumerable<string> Models => _models.Keys;

    private async Task AddThenRefreshAsync(string model, ModelFit state, ValueTask added)
    {
        try
        {
            await added;
        }
        catch (Exception e)
        {
            Log.StoreFailed(logger, model, e.Message);
        }

        Refresh(model, state);
    }

    /// <summary>Reads the model's observations and fits them: at once when the store answers synchronously, else in the background.</summary>
    private void Refresh(string model, ModelFit state)
    {
        state.FittedAt = time.GetUtcNow();
        ValueTask<IReadOnlyList<EnergyObservation>> recent;
        try
        {
            recent = store.RecentAsync(model, CancellationToken.None);
        }
        catch (Exception e)
        {
            Log.StoreFailed(logger, model, e.Message);
            return;
        }

        if (recent.IsCompletedSuccessfully)
        {
            state.Fit = BaselineFit.Fit(recent.Result, time.GetUtcNow(), options.HalfLife);
            return;
        }

        _ = FitLaterAsync(model, state, recent);
    }

    private async Task FitLaterAsync(string model, ModelFit state, ValueTask<IReadOnlyList<EnergyObservation>> recent)
    {
        try
        {
            state.Fit = BaselineFit.Fit(await recent, time.GetUtcNow(), options.HalfLife);
        }
        catch (Exception e)
        {
            // The shared state is away: the last fit stands (and ages out by MaxAge).
            Log.StoreFailed(logger, model, e.Message);
        }
    }

    private sealed class ModelFit
    {
        public BaselineFit? Fit { get; set; }

        public DateTimeOffset FittedAt { get; set; } = DateTimeOffset.MinValue;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "The counterfactual's observations of {Model} could not be read or written: {Reason}")]
        public static partial void StoreFailed(ILogger logger, string model, string reason);
    }
}
