using GreenGateway.Accounting;
using GreenGateway.Configuration;
using GreenGateway.Core.Carbon;
using GreenGateway.Core.Requests;

namespace GreenGateway.Proxy;

/// <summary>
/// One forward of a request to a pass-through path that is charged (<c>Accounting: fixed</c> or <c>tokens</c>): what the
/// response transform needs to price it, and what it found, as <see cref="UpstreamCall"/> is for accounted endpoints.
/// </summary>
internal sealed class PassThroughCall(OpenAiRequest request, ModelRoute route, PassThroughPath rule, CarbonIntensity grid, Func<RequestFigures, ValueTask> beforeLastByte)
{
    public OpenAiRequest Request { get; } = request;

    /// <summary>The pass-through upstream, priced by the rule (a fixed figure is a profile of joules per request alone).</summary>
    public ModelRoute Route { get; } = route;

    public PassThroughPath Rule { get; } = rule;

    public CarbonIntensity Grid { get; } = grid;

    public Func<RequestFigures, ValueTask> BeforeLastByte { get; } = beforeLastByte;

    public long StartedAt { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>The status the client got, once the transform saw the upstream's answer.</summary>
    public int? Status { get; set; }

    /// <summary>What the answer was charged; null when nothing was (an error).</summary>
    public RequestFigures? Figures { get; set; }
}
