namespace GreenGateway.Configuration;

/// <summary>
/// Everything in appsettings.json the gateway reads, bound once at start-up and validated as a whole:
/// every error is reported together (<see cref="Validate"/>), and the gateway refuses to start with any.
/// </summary>
public sealed record GatewayConfig
{
    public GatewayOptions Gateway { get; init; } = new();

    /// <summary>Named upstreams; each becomes a YARP cluster. Required, at least one.</summary>
    public Dictionary<string, UpstreamOptions> Upstreams { get; init; } = [];

    /// <summary>Model aliases clients may name. Default none (discovered models only).</summary>
    public Dictionary<string, ModelAliasOptions> Models { get; init; } = [];

    /// <summary>The upstream of paths the gateway does not interpret. Default: <c>default</c>, else the first.</summary>
    public string? PassThroughUpstream { get; init; }

    public EnergyOptions Energy { get; init; } = new();

    public CarbonOptions Carbon { get; init; } = new();

    public TelemetryOptions Telemetry { get; init; } = new();

    public RedisSettings Redis { get; init; } = new();

    public CacheSettings Cache { get; init; } = new();

    public CascadeSettings Cascade { get; init; } = new();

    public ResponsesSettings Responses { get; init; } = new();

    /// <summary>The operator's dashboard, its admin API and feedback on answers.</summary>
    public DashboardSettings Dashboard { get; init; } = new();
    public BatchSettings Batches { get; init; } = new();

    public GreenGateway.ModelServer.ModelServerOptions ModelServer { get; init; } = new();

    /// <summary>
    /// The model server starts only when it is on and an upstream points at it (at its port, or by listing no
    /// destination of its own for <see cref="ModelServerOptions.Upstream"/>), so that a gateway aimed elsewhere
    /// (GG_UPSTREAM_URL, tests, load tests) never starts one by accident.
    /// </summary>
    public bool StartsModelServer => !ModelServer.IsOff && (UpstreamsAtModelServer().Count > 0
        || (Upstreams.TryGetValue(ModelServer.Upstream, out var served) && served.Destinations.Count == 0));

    /// <summary>The upstreams with a destination at the model server's (fixed) port.</summary>
    public IReadOnlyList<string> UpstreamsAtModelServer()
    {
        var names = new List<string>();
        if (ModelServer.Port == 0)
        {
            return names;
        }

        foreach (var (name, upstream) in Upstreams)
        {
            foreach (var destination in upstream.Destinations)
            {
                if (destination.StartsWith($"http://127.0.0.1:{ModelServer.Port}/", StringComparison.Ordinal)
                    || destination.StartsWith($"http://localhost:{ModelServer.Port}/", StringComparison.Ordinal))
                {
                    names.Add(name);
                    break;
                }
            }
        }

        return names;
    }

    public string DefaultUpstream =>
        PassThroughUpstream ?? (Upstreams.ContainsKey("default") ? "default" : Upstreams.Keys.Order(StringComparer.Ordinal).FirstOrDefault() ?? "default");

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        Gateway.Validate(errors);
        Energy.Validate(errors);
        Carbon.Validate(errors);
        Redis.Validate(errors);
        Telemetry.Prometheus.Validate(errors);
        Cache.Validate(errors);
        Cascade.Validate(errors);
        Responses.Validate(errors);
        Dashboard.Validate(errors);
        Batches.Validate(errors);
        ModelServer.Validate(errors);
        if (Cache.Embedder == "upstream" && Cache.EmbeddingModel is { } embedding && !Models.ContainsKey(embedding))
        {
            errors.Add($"Cache.EmbeddingModel '{embedding}' is not one of Models (the embedder needs its upstream).");
        }
        if (Upstreams.Count == 0)
        {
            errors.Add("Upstreams must define at least one upstream (or set GG_UPSTREAM_URL).");
        }

        foreach (var (name, upstream) in Upstreams)
        {
            // The model server's upstream may list no destination: the model server's address fills it at start.
            upstream.Validate(name, errors, destinationsFilled: StartsModelServer && name == ModelServer.Upstream);
            if (upstream.EnergyProfile is { } profile && !Energy.Profiles.ContainsKey(profile))
            {
                errors.Add($"Upstreams.{name}.EnergyProfile '{profile}' is not one of Energy.Profiles.");
            }
        }

        foreach (var (model, alias) in Models)
        {
            if (!Upstreams.ContainsKey(alias.Upstream))
            {
                errors.Add($"Models.{model}.Upstream '{alias.Upstream}' is not one of Upstreams ({string.Join(", ", Upstreams.Keys)}).");
            }

            if (alias.EnergyProfile is { } profile && !Energy.Profiles.ContainsKey(profile))
            {
                errors.Add($"Models.{model}.EnergyProfile '{profile}' is not one of Energy.Profiles.");
            }
        }

        foreach (var path in Gateway.PassThroughPaths)
        {
            if (path.EnergyProfile is { } profile && !Energy.Profiles.ContainsKey(profile))
            {
                errors.Add($"Gateway.PassThroughPaths '{path.Path}': EnergyProfile '{profile}' is not one of Energy.Profiles.");
            }
        }

        if (PassThroughUpstream is { } pass && !Upstreams.ContainsKey(pass))
        {
            errors.Add($"PassThroughUpstream '{pass}' is not one of Upstreams.");
        }

        return errors;
    }
}

/// <summary>The <c>Telemetry</c> section.</summary>
public sealed record TelemetryOptions
{
    /// <summary>OTLP endpoint (e.g. http://127.0.0.1:4318); also read from OTEL_EXPORTER_OTLP_ENDPOINT. Default none: no export.</summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary><c>grpc</c> or <c>http/protobuf</c>. Default http/protobuf.</summary>
    public string OtlpProtocol { get; init; } = "http/protobuf";

    /// <summary>service.name of the exported resource. Default greengateway.</summary>
    public string ServiceName { get; init; } = "greengateway";

    /// <summary>The Prometheus scraping endpoint. Default enabled, <c>/metrics</c> on the gateway's own port.</summary>
    public PrometheusOptions Prometheus { get; init; } = new();
}

/// <summary>The <c>Telemetry:Prometheus</c> section: <c>GET /metrics</c> in Prometheus's text format (docs/operations.md).</summary>
public sealed record PrometheusOptions
{
    /// <summary>Serve the endpoint. Default true; false removes it (OTLP export is unaffected).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The path. Default <c>/metrics</c>. It must not be under <c>/v1</c>, which belongs to the proxy.</summary>
    public string Path { get; init; } = "/metrics";

    /// <summary>
    /// A management port: when set, the endpoint answers only on connections to this port (add it to the gateway's
    /// <c>--urls</c>, for example <c>http://127.0.0.1:9464</c>), so that the public port does not serve it. Default none:
    /// the gateway's own port.
    /// </summary>
    public int? Port { get; init; }

    public void Validate(List<string> errors)
    {
        if (!Path.StartsWith('/') || Path.Length < 2)
        {
            errors.Add($"Telemetry.Prometheus.Path '{Path}' must start with '/' and name a path.");
        }
        else if (Path.Equals("/v1", StringComparison.OrdinalIgnoreCase) || Path.StartsWith("/v1/", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"Telemetry.Prometheus.Path '{Path}' is under /v1, which the gateway proxies to upstreams.");
        }

        if (Port is < 1 or > 65535)
        {
            errors.Add($"Telemetry.Prometheus.Port {Port} is not a TCP port.");
        }
    }
}
