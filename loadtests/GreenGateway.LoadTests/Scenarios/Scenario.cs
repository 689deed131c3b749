using System.Text.Json;
using System.Text.Json.Serialization;

namespace GreenGateway.LoadTests.Scenarios;

/// <summary>
/// One load scenario, read from loadtests/scenarios/*.json: what to start, what to send, how fast,
/// and the objectives that make the harness exit non-zero when missed. Every field but
/// <see cref="Name"/>, <see cref="Mix"/> and <see cref="Load"/> has a default.
/// </summary>
internal sealed record Scenario
{
    public required string Name { get; init; }

    public string Description { get; init; } = "";

    public GatewaySetup Gateway { get; init; } = new();

    public UpstreamSetup Upstream { get; init; } = new();

    /// <summary>Tenants written to the gateway's policy folder; a key is sent as its bearer token.</summary>
    public List<TenantSetup> Tenants { get; init; } = [new TenantSetup()];

    /// <summary>What is sent: each request draws one entry by weight.</summary>
    public required List<MixEntry> Mix { get; init; }

    public required LoadShape Load { get; init; }

    /// <summary>Also send the same load straight to the upstream, in alternating blocks (pass-through overhead).</summary>
    public CompareSetup? CompareDirect { get; init; }

    /// <summary>A fleet: replicas behind nginx, one killed mid-load.</summary>
    public FleetSetup? Fleet { get; init; }

    public Objectives Slo { get; init; } = new();

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static Scenario FromFile(string path) =>
        JsonSerializer.Deserialize<Scenario>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty");
}

/// <summary>How the gateway runs.</summary>
internal sealed record GatewaySetup
{
    /// <summary>A child process (its CPU and memory read from /proc) or in this process. Default process.</summary>
    public bool InProcess { get; init; }

    /// <summary>Start a redis-server and give the gateway GG_REDIS_URL. Default false (embedded state).</summary>
    public bool Redis { get; init; }

    /// <summary>Start a three-primary Redis Cluster instead of one redis-server (implies <see cref="Redis"/>). Default false.</summary>
    public bool RedisCluster { get; init; }

    /// <summary>Configuration overrides, <c>Section:Key</c> → value.</summary>
    public Dictionary<string, string> Settings { get; init; } = [];
}

/// <summary>The stand-in upstream.</summary>
internal sealed record UpstreamSetup
{
    /// <summary>Delay before answering, as a model's time to first token would be. Default 0.</summary>
    public int DelayMs { get; init; }
}

internal sealed record TenantSetup
{
    public string Id { get; init; } = "load";

    public string Key { get; init; } = "gg-load-key";

    /// <summary>window → { energy_wh, carbon_g }, written as the policy file's budgets. Default none.</summary>
    public Dictionary<string, Dictionary<string, double>> Budgets { get; init; } = [];

    public string OnExhausted { get; init; } = "reject";
}

internal enum RequestKind
{
    /// <summary>A chat completion, each one different (a cache miss).</summary>
    Plain,

    /// <summary>As plain, streamed (SSE), with the usage chunk asked for.</summary>
    Streamed,

    /// <summary>Drawn from a small pool of questions asked again and again: cache hits once warm.</summary>
    Repeat,

    /// <summary>A question the rules tier answers (arithmetic).</summary>
    Rules,

    /// <summary>A long prompt with a long answer: the large model's work.</summary>
    Hard,
}

internal sealed record MixEntry
{
    public required RequestKind Kind { get; init; }

    public double Weight { get; init; } = 1;

    /// <summary>The tenant id; default the first tenant.</summary>
    public string? Tenant { get; init; }

    /// <summary>Questions in the pool of <see cref="RequestKind.Repeat"/>. Default 20.</summary>
    public int Pool { get; init; } = 20;

    public int MaxTokens { get; init; } = 16;

    /// <summary>Sent as X-GG-Tiers (e.g. upstream to bypass the cache). Default none.</summary>
    public string? Tiers { get; init; }
}

internal enum ShapeKind
{
    Constant,
    Ramp,
    Step,
    Spike,
}

/// <summary>The arrival rate over time (open model: requests are sent when due, answered or not).</summary>
internal sealed record LoadShape
{
    public ShapeKind Shape { get; init; } = ShapeKind.Constant;

    /// <summary>Requests per second: the constant rate, the base of a spike, the start of a ramp.</summary>
    public double Rate { get; init; } = 100;

    /// <summary>The end rate of a ramp.</summary>
    public double To { get; init; }

    /// <summary>Step: each step's rate for <see cref="StepSeconds"/>.</summary>
    public List<double> Steps { get; init; } = [];

    public double StepSeconds { get; init; } = 10;

    /// <summary>Spike: the rate, when it starts and for how long.</summary>
    public double SpikeRate { get; init; }

    public double SpikeAtSeconds { get; init; }

    public double SpikeSeconds { get; init; }

    public double DurationSeconds { get; init; } = 10;

    /// <summary>Sent at the shape's first rate before the measured run; not counted. Default 0.</summary>
    public double WarmupSeconds { get; init; }

    /// <summary>Per-request timeout. Default 30.</summary>
    public double TimeoutSeconds { get; init; } = 30;
}

internal sealed record CompareSetup
{
    public int Rounds { get; init; } = 3;
}

internal sealed record FleetSetup
{
    public int Replicas { get; init; } = 3;

    /// <summary>Kill one replica (SIGKILL) this many seconds into the run; 0 kills none.</summary>
    public double KillAtSeconds { get; init; }
}

/// <summary>What the run must achieve; a missed one makes the harness exit with 1.</summary>
internal sealed record Objectives
{
    public double? P50Ms { get; init; }

    public double? P99Ms { get; init; }

    /// <summary>No response with a 5xx status (and no transport error).</summary>
    public bool No5xx { get; init; }

    /// <summary>Largest share of requests that may fail for any reason but an expected 429.</summary>
    public double? MaxErrorRate { get; init; }

    public double? MinThroughput { get; init; }

    /// <summary>Smallest share of requests served from the cache over the last quarter of the run.</summary>
    public double? MinCacheShareAtEnd { get; init; }

    /// <summary>Largest growth of the gateway's resident memory from the end of warm-up to the end, MB.</summary>
    public double? MaxMemoryGrowthMb { get; init; }

    /// <summary>Budget checks against the tenant's ledger (GET /v1/usage).</summary>
    public BudgetObjective? Budget { get; init; }
}

internal sealed record BudgetObjective
{
    public string Tenant { get; init; } = "load";

    public string Window { get; init; } = "day";

    /// <summary>The largest single reservation (J): the most the ledger may exceed the limit by.</summary>
    public required double MaxReservationJ { get; init; }
}
