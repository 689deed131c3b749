using GreenGateway.Core.Carbon;
using GreenGateway.Core.Energy;

namespace GreenGateway.Configuration;

/// <summary>The <c>Energy</c> section: per-model coefficients and the facility overhead.</summary>
public sealed record EnergyOptions
{
    public const string Section = "Energy";

    /// <summary>Power usage effectiveness (facility over IT energy). Default 1.56, the 2024 industry
    /// average of the Uptime Institute Global Data Center Survey 2024.</summary>
    public double Pue { get; init; } = 1.56;

    /// <summary>The profile of models with none of their own. Required; must name an entry of <see cref="Profiles"/>.</summary>
    public string DefaultProfile { get; init; } = "llm-8b";

    /// <summary>Named coefficient sets. Defaults and sources in appsettings.json and docs/energy-model.md.</summary>
    public Dictionary<string, EnergyProfile> Profiles { get; init; } = [];

    /// <summary>
    /// Energy an upstream reports is charged only up to this multiple of what its profile models for the same tokens
    /// (at least one joule); above it, or negative or not finite, the modelled figure is charged. Default 20.
    /// </summary>
    public double MaxReportedMultiple { get; init; } = 20;

    /// <summary>How the counterfactual (the large model alone) is fitted from the large model's own answers.</summary>
    public BaselineSettings Baseline { get; init; } = new();

    public void Validate(List<string> errors)
    {
        if (!(Pue >= 1.0) || double.IsInfinity(Pue))
        {
            errors.Add($"Energy.Pue must be a number >= 1 (got {Pue}).");
        }

        if (!Profiles.ContainsKey(DefaultProfile))
        {
            errors.Add($"Energy.DefaultProfile '{DefaultProfile}' is not one of Energy.Profiles ({string.Join(", ", Profiles.Keys)}).");
        }

        foreach (var (name, profile) in Profiles)
        {
            profile.Validate($"Energy.Profiles.{name}", errors);
        }

        if (!(MaxReportedMultiple >= 1) || double.IsInfinity(MaxReportedMultiple))
        {
            errors.Add($"Energy.MaxReportedMultiple must be a finite number >= 1 (got {MaxReportedMultiple}).");
        }

        Baseline.Validate(errors);
    }
}

/// <summary>The <c>Carbon</c> section: where grid intensity comes from.</summary>
public sealed record CarbonOptions
{
    public const string Section = "Carbon";

    /// <summary><c>static</c>, <c>timeseries</c> or <c>electricitymaps</c>. Default static.</summary>
    public string Source { get; init; } = "static";

    /// <summary>The grid region (Electricity Maps zone) of upstreams that name none. Default <c>world</c>.</summary>
    public string Region { get; init; } = "world";

    /// <summary>gCO2e/kWh of the static source and the last-resort fallback of the others. Default 473, the
    /// 2024 world average of Ember's Global Electricity Review 2025.</summary>
    public double StaticGramsPerKwh { get; init; } = 473;

    /// <summary>CSV or JSON file for <c>timeseries</c> (format in docs/energy-model.md). Required for it.</summary>
    public string? TimeSeriesPath { get; init; }

    /// <summary>Settings of the <c>electricitymaps</c> source.</summary>
    public ElectricityMapsOptions ElectricityMaps { get; init; } = new();

    /// <summary>Embodied emissions added per request (SCI's M). Default none.</summary>
    public EmbodiedEmissions Embodied { get; init; } = new();

    public void Validate(List<string> errors)
    {
        if (Source is not ("static" or "timeseries" or "electricitymaps"))
        {
            errors.Add($"Carbon.Source '{Source}' is not one of static, timeseries, electricitymaps.");
        }

        if (!(StaticGramsPerKwh >= 0))
        {
            errors.Add("Carbon.StaticGramsPerKwh must be >= 0.");
        }

        if (Source == "timeseries" && string.IsNullOrWhiteSpace(TimeSeriesPath))
        {
            errors.Add("Carbon.TimeSeriesPath is required with Carbon.Source = timeseries.");
        }

        if (Source == "electricitymaps" && !Uri.TryCreate(ElectricityMaps.BaseUrl, UriKind.Absolute, out _))
        {
            errors.Add("Carbon.ElectricityMaps.BaseUrl must be an absolute URL.");
        }

        if (Embodied.GramsPerRequest < 0 || Embodied.GramsPerSecond < 0)
        {
            errors.Add("Carbon.Embodied figures must be >= 0.");
        }
    }
}

/// <summary>An HTTP source shaped like Electricity Maps' <c>GET /v3/carbon-intensity/latest?zone=</c>.</summary>
public sealed record ElectricityMapsOptions
{
    /// <summary>API root. Default <c>https://api.electricitymap.org/v3</c>.</summary>
    public string BaseUrl { get; init; } = "https://api.electricitymap.org/v3";

    /// <summary>Name of the environment variable with the <c>auth-token</c>. Default <c>GG_ELECTRICITYMAPS_TOKEN</c>.</summary>
    public string TokenEnvironmentVariable { get; init; } = "GG_ELECTRICITYMAPS_TOKEN";

    /// <summary>Seconds a fetched value is reused. Default 300.</summary>
    public double CacheSeconds { get; init; } = 300;

    /// <summary>Seconds before a fetch gives up and the last value (or the static default) is used. Default 2.</summary>
    public double TimeoutSeconds { get; init; } = 2;
}

/// <summary>
/// The <c>Energy.Baseline</c> section: when the counterfactual fitted from the large model's measured or reported answers
/// (docs/energy-model.md) stands for it, and how often it is refreshed by sending a request to the large model alone.
/// </summary>
public sealed record BaselineSettings
{
    /// <summary>Summed observation weight needed before the fit is <c>observed</c>. Default 8.</summary>
    public double MinObservations { get; init; } = 8;

    /// <summary>Whole answers (more than one completion token) among them. Default 3.</summary>
    public int MinFullAnswers { get; init; } = 3;

    /// <summary>Seconds after its newest observation that a fit stops being <c>observed</c>. Default 1800.</summary>
    public double MaxAgeSeconds { get; init; } = 1800;

    /// <summary>Seconds over which an observation's weight halves. Default 600.</summary>
    public double HalfLifeSeconds { get; init; } = 600;

    /// <summary>
    /// The share of the requests the cascade would send to a model tier (draft, speculative) that go to the large model
    /// alone instead once its fit is observed, so that it stays current (it follows a drifting upstream through the
    /// half-life); while it is not observed, the share is at least <c>CascadePlanner.ColdProbeFraction</c> (0.25).
    /// Reported as <c>X-GG-Probe: baseline</c> and counted in <c>gg.baseline.probes</c>; 0 turns probes off. Default 0.05.
    /// </summary>
    public double ProbeFraction { get; init; } = 0.05;

    public GreenGateway.Core.Energy.BaselineFitOptions ToOptions() => new()
    {
        MinObservations = MinObservations,
        MinFullAnswers = MinFullAnswers,
        MaxAge = TimeSpan.FromSeconds(MaxAgeSeconds),
        HalfLife = TimeSpan.FromSeconds(HalfLifeSeconds),
    };

    public void Validate(List<string> errors)
    {
        if (!(MinObservations > 0) || MinFullAnswers < 0 || !(MaxAgeSeconds > 0) || !(HalfLifeSeconds > 0))
        {
            errors.Add("Energy.Baseline: MinObservations, MaxAgeSeconds and HalfLifeSeconds must be > 0, MinFullAnswers >= 0.");
        }

        if (ProbeFraction is < 0 or > 1 || double.IsNaN(ProbeFraction))
        {
            errors.Add($"Energy.Baseline.ProbeFraction must be in [0, 1] (got {ProbeFraction}).");
        }
    }
}
