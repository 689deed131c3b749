using GreenGateway.Configuration;
using GreenGateway.Core.Cascade;

namespace GreenGateway.Cascade;

/// <summary>
/// The learned router as the gateway uses it, loaded at start from <see cref="RouterSettings.Model"/> when the file is
/// there: an ML.NET model zip (<see cref="Semantics.Routing.MlNetRouter"/>, written by <c>gg router train</c>, scored
/// with pooled prediction engines).
/// </summary>
internal sealed partial class TierRouter
{
    private readonly Func<string, Core.Routing.TierPrediction>? _predict;

    public TierRouter(CascadeSettings settings, ILogger<TierRouter> logger)
    {
        var path = settings.Router.Model;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            return;
        }

        try
        {
            var router = Semantics.Routing.MlNetRouter.Load(path);
            _predict = router.Predict;
            Log.Loaded(logger, path, string.Join(", ", router.Labels));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or EndOfStreamException or ArgumentException)
        {
            Log.LoadFailed(logger, path, e);
        }
    }

    public bool IsLoaded => _predict is not null;

    public RouterPrediction Predict(string prompt)
    {
        var p = _predict!(prompt);
        return new RouterPrediction(p.Label, p.Probability, p.ProbabilityOf(CascadeTiers.Rules) + p.ProbabilityOf(CascadeTiers.Draft));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 62, Level = LogLevel.Information, Message = "Router {Path} loaded (labels {Labels})")]
        public static partial void Loaded(ILogger logger, string path, string labels);

        [LoggerMessage(EventId = 63, Level = LogLevel.Warning, Message = "Router {Path} could not be loaded; every request tries the tiers in order")]
        public static partial void LoadFailed(ILogger logger, string path, Exception exception);
    }
}
