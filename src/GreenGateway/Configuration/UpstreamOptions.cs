namespace GreenGateway.Configuration;

/// <summary>One named upstream under <c>Upstreams</c>: a pool of OpenAI-compatible destinations.</summary>
public sealed record UpstreamOptions
{
    /// <summary>Base URLs including the API prefix, e.g. <c>http://127.0.0.1:8000/v1</c>. Required, at least one.</summary>
    public List<string> Destinations { get; init; } = [];

    /// <summary>Bearer key sent to this upstream (the tenant's key never is). Default none.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Name of an environment variable holding <see cref="ApiKey"/>, so that keys stay out of files. Default none.</summary>
    public string? ApiKeyEnvironmentVariable { get; init; }

    /// <summary>Grid region of this upstream's data centre, for carbon intensity. Default: <c>Carbon.Region</c>.</summary>
    public string? Region { get; init; }

    /// <summary>Energy profile of models served here that have no alias of their own. Default: <c>Energy.DefaultProfile</c>.</summary>
    public string? EnergyProfile { get; init; }

    /// <summary>
    /// Whether the energy this upstream reports (<c>X-Energy-Joules</c>, <c>usage.energy_joules</c>) is charged.
    /// False prices its answers by <see cref="EnergyProfile"/> instead: for an upstream whose own reading does not
    /// stand for the deployment (the demo model host on a CPU standing in for a large model on a GPU). Default true.
    /// </summary>
    public bool UseReportedEnergy { get; init; } = true;

    /// <summary>
    /// Whether this upstream serves OpenAI's Responses API (<c>{destination}/responses</c>) itself: Responses requests are
    /// then forwarded there and priced from its <c>usage</c> (input_tokens, output_tokens). Otherwise they are translated
    /// to chat completions and back. Default false.
    /// </summary>
    public bool ServesResponses { get; init; }

    /// <summary>Asks <c>GET {destination}/models</c> for the models served, so that they need no alias. Default true.</summary>
    public bool DiscoverModels { get; init; } = true;

    /// <summary>Accepts any model name not known elsewhere (a catch-all upstream). Default false.</summary>
    public bool AcceptAnyModel { get; init; }

    /// <summary>
    /// The latency this upstream is declared to add over the nearest one that serves the same models (its region's
    /// distance), in milliseconds: the prior of <c>cascade.carbon_aware.prefer_region</c>. An upstream declared beyond a
    /// tenant's bound never gets its live requests; one within it gets them only while its measured latency
    /// (<see cref="Upstreams.UpstreamLatency"/>) less the model's own upstream's stays within the bound. Default 0.
    /// </summary>
    public double AddedLatencyMs { get; init; }

    /// <summary>Seconds to open a connection. Default 5.</summary>
    public double ConnectTimeoutSeconds { get; init; } = 5;

    /// <summary>Seconds to wait for response headers (and between reads of a response). Default 120.</summary>
    public double ResponseTimeoutSeconds { get; init; } = 120;

    /// <summary>Attempts per request for connection failures and 502/503/504 before the first byte. Default 3.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Load balancing across destinations: PowerOfTwoChoices, RoundRobin, LeastRequests, Random. Default PowerOfTwoChoices.</summary>
    public string LoadBalancing { get; init; } = "PowerOfTwoChoices";

    /// <summary>Active health check path under each destination; empty turns active checks off. Default <c>/models</c>.</summary>
    public string HealthCheckPath { get; init; } = "/models";

    /// <summary>Seconds between active health checks. Default 15.</summary>
    public double HealthCheckIntervalSeconds { get; init; } = 15;

    /// <summary>Seconds a destination is taken out after passive failures (transport errors). Default 10.</summary>
    public double PassiveReactivationSeconds { get; init; } = 10;

    public string? ResolveApiKey() =>
        !string.IsNullOrEmpty(ApiKeyEnvironmentVariable) ? Environment.GetEnvironmentVariable(ApiKeyEnvironmentVariable) : ApiKey;

    /// <param name="destinationsFilled">The in-process model server provides this upstream's destination.</param>
    public void Validate(string name, List<string> errors, bool destinationsFilled = false)
    {
        var path = $"Upstreams.{name}";
        if (Destinations.Count == 0 && !destinationsFilled)
        {
            errors.Add($"{path}.Destinations must list at least one URL (or set GG_UPSTREAM_URL).");
        }

        for (var i = 0; i < Destinations.Count; i++)
        {
            if (!Uri.TryCreate(Destinations[i], UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                errors.Add($"{path}.Destinations[{i}] '{Destinations[i]}' is not an absolute http(s) URL.");
            }
        }

        if (ConnectTimeoutSeconds <= 0 || ResponseTimeoutSeconds <= 0 || HealthCheckIntervalSeconds <= 0 || PassiveReactivationSeconds <= 0)
        {
            errors.Add($"{path}: timeouts and intervals must be > 0 seconds.");
        }

        if (MaxAttempts is < 1 or > 10)
        {
            errors.Add($"{path}.MaxAttempts must be between 1 and 10.");
        }

        if (LoadBalancing is not ("PowerOfTwoChoices" or "RoundRobin" or "LeastRequests" or "Random" or "FirstAlphabetical"))
        {
            errors.Add($"{path}.LoadBalancing '{LoadBalancing}' is not one of PowerOfTwoChoices, RoundRobin, LeastRequests, Random, FirstAlphabetical.");
        }
    }
}

/// <summary>One model alias under <c>Models</c>: the name clients use, mapped to an upstream.</summary>
public sealed record ModelAliasOptions
{
    /// <summary>The upstream that serves it. Required.</summary>
    public string Upstream { get; init; } = "";

    /// <summary>The name sent upstream, when it differs from the alias. Default: the alias.</summary>
    public string? UpstreamModel { get; init; }

    /// <summary>The energy profile of this model. Default: the upstream's, else <c>Energy.DefaultProfile</c>.</summary>
    public string? EnergyProfile { get; init; }
}
