using System.Diagnostics;
using GreenGateway.Accounting;
using GreenGateway.Core.Budgets;
using GreenGateway.Core.Carbon;
using GreenGateway.Core.Policies;
using GreenGateway.Core.Requests;
using GreenGateway.Upstreams;

namespace GreenGateway.Proxy;

/// <summary>
/// The state of one interpreted request, shared by the middleware (admission, retries, settling) and the
/// response transform (reading usage, adding figures). Lives in <c>HttpContext.Features</c>.
/// </summary>
internal sealed class GatewayExchange(OpenAiRequest request, ModelRoute route, TenantPolicy tenant, CarbonIntensity grid)
{
    public const string UpstreamTier = "upstream";

    public OpenAiRequest Request { get; } = request;

    public ModelRoute Route { get; set; } = route;

    public TenantPolicy Tenant { get; } = tenant;

    public CarbonIntensity Grid { get; } = grid;

    public long StartedAt { get; } = Stopwatch.GetTimestamp();

    /// <summary>The tier that answered: <c>upstream</c> unless an earlier tier did.</summary>
    public string Tier { get; set; } = UpstreamTier;

    /// <summary>The semantic cache query, when the request may be cached; a miss answered upstream is stored under it.</summary>
    public GreenGateway.Core.Cache.CacheQuery? CacheQuery { get; set; }

    public Reservation? Reservation { get; set; }

    /// <summary>Set at admission when a spent budget (on_exhausted: downgrade) restricts the request to the tiers below the large model.</summary>
    public bool BudgetDowngrade { get; set; }

    /// <summary>The draft's confidence when it generated for this request (for the outcome log).</summary>
    public GreenGateway.Core.Cascade.DraftConfidence? DraftConfidence { get; set; }

    /// <summary>The speculative tier's acceptance rate for this request, when it answered.</summary>
    public double? SpeculativeAcceptance { get; set; }

    /// <summary>The text and finish reason of an answer the gateway produced itself (the speculative tier's).</summary>
    public (string Content, string FinishReason)? LocalAnswer { get; set; }

    /// <summary>The model first asked for, when a spent budget downgraded the request.</summary>
    public string? DowngradedFrom { get; set; }

    /// <summary>Set by the middleware before each attempt: whether a 502/503/504 may still be retried.</summary>
    public bool MayRetry { get; set; }

    /// <summary>Set by the response transform when it held back a retryable upstream status.</summary>
    public bool RetryRequested { get; set; }

    /// <summary>The upstream's status, once a response was accepted.</summary>
    public int? UpstreamStatus { get; set; }

    /// <summary>The priced result, once the upstream answered (fully or, for a broken stream, in part).</summary>
    public RequestFigures? Figures { get; set; }

    /// <summary>Set once the exchange has been settled (<see cref="ExchangeSettlement"/>).</summary>
    public bool Settled { get; set; }

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(StartedAt);
}
