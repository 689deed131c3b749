namespace GreenGateway.ModelServer;

/// <summary>How the gateway runs the project's model host (section <c>ModelServer</c>).</summary>
public sealed record ModelServerOptions
{
    public const string Section = "ModelServer";

    /// <summary><c>in-process</c>, <c>child-process</c> or <c>off</c> (default): whether and how the gateway starts the model host.</summary>
    public string Mode { get; init; } = "off";

    /// <summary>The model to serve, relative to the content root. Default <c>models/target</c>.</summary>
    public string Model { get; init; } = "models/target";

    /// <summary>
    /// Loopback port the model host listens on. Default 0: a free port chosen at start, which the upstream named
    /// <see cref="Upstream"/> is pointed at when it lists no destination of its own.
    /// </summary>
    public int Port { get; init; }

    /// <summary>The upstream the model host serves when that upstream lists no destination. Default <c>default</c>.</summary>
    public string Upstream { get; init; } = "default";

    /// <summary>
    /// The key the model host requires for generation. Not configured: the gateway makes a fresh random one at every
    /// start and sends it to the model host and the upstreams that point there, so nothing else on the machine can
    /// reach the model past the gateway's authentication and budgets.
    /// </summary>
    public string? ApiKey { get; init; }

    /// <summary>
    /// Watts per busy core the model host charges its CPU time at. Not configured: the gateway passes the draft's
    /// (<c>Cascade.Draft.WattsPerCore</c>), so that the draft and the large model are measured on one footing.
    /// </summary>
    public double? WattsPerCore { get; init; }

    /// <summary>
    /// Child process only: the model host's entry. Default: <c>GreenGateway.ModelHost.dll</c> beside the gateway's
    /// binaries when present (run with the current <c>dotnet</c>), else <c>dotnet run</c> of
    /// <c>src/GreenGateway.ModelHost</c> under the content root.
    /// </summary>
    public string? Executable { get; init; }

    /// <summary>How long to wait for the model host's /health before giving up. Default 120 s.</summary>
    public int StartTimeoutSeconds { get; init; } = 120;

    public bool IsOff => Mode == "off";

    public void Validate(List<string> errors)
    {
        if (Mode is not ("in-process" or "child-process" or "off"))
        {
            errors.Add($"ModelServer.Mode must be 'in-process', 'child-process' or 'off', not '{Mode}'.");
        }

        if (!IsOff && string.IsNullOrWhiteSpace(Model))
        {
            errors.Add("ModelServer.Model is required when ModelServer.Mode is not 'off'.");
        }

        if (Port is < 0 or > 65535)
        {
            errors.Add($"ModelServer.Port must be 0 (a free port) or in 1..65535, not {Port}.");
        }

        if (StartTimeoutSeconds < 1)
        {
            errors.Add($"ModelServer.StartTimeoutSeconds must be at least 1, not {StartTimeoutSeconds}.");
        }
    }
}

/// <summary>
/// Builds the model host in this process: <c>GreenGateway.ModelHost.ModelHostApp.Build</c>. Registered by the host
/// that references the model host project, so the gateway's code does not depend on it at compile time.
/// </summary>
public delegate WebApplication InProcessModelHostFactory(string[] args, IDictionary<string, string?>? overrides);
