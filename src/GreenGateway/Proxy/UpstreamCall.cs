using System.Diagnostics;
using GreenGateway.Accounting;
using GreenGateway.Answers;
using GreenGateway.Core.Cache;
using GreenGateway.Core.Carbon;
using GreenGateway.Core.Requests;

namespace GreenGateway.Proxy;

/// <summary>
/// One forward of an accounted request to its upstream: what the response transform needs to price and write the
/// answer (YARP hands the upstream's response only to transforms, so this travels in <c>HttpContext.Features</c> for
/// the forward's duration), and what it found. Nothing else reads it.
/// </summary>
internal sealed class UpstreamCall(OpenAiRequest request, ModelRoute route, CarbonIntensity grid, bool keepForCache, Func<RequestFigures, ValueTask> beforeLastByte,
    AnswerFormat format)
{
    public OpenAiRequest Request { get; } = request;

    public ModelRoute Route { get; } = route;

    public CarbonIntensity Grid { get; } = grid;

    /// <summary>The shape the client's API gives the answer (what a translated answer is written in).</summary>
    public AnswerFormat Format { get; } = format;

    /// <summary>Set by the forwarder: a Responses API request sent to an upstream that serves only chat completions, whose
    /// answer is translated back (<see cref="ResponsesTranslation"/>).</summary>
    public bool TranslatesResponses { get; set; }

    /// <summary>Whether the answer may be kept by the cache (the request has a cache query).</summary>
    public bool KeepForCache { get; } = keepForCache;

    /// <summary>The request's settlement, run before the answer's last byte.</summary>
    public Func<RequestFigures, ValueTask> BeforeLastByte { get; } = beforeLastByte;

    public long StartedAt { get; } = Stopwatch.GetTimestamp();

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(StartedAt);

    /// <summary>Set by the forwarder before each attempt: whether a 502/503/504 may still be retried.</summary>
    public bool MayRetry { get; set; }

    /// <summary>Set by the transform when it held back a retryable upstream status.</summary>
    public bool RetryRequested { get; set; }

    /// <summary>The status the client got for the upstream's answer, once the transform wrote it.</summary>
    public int? Status { get; set; }

    /// <summary>What the answer was charged (whole, or as far as a broken stream delivered); null when nothing was.</summary>
    public RequestFigures? Figures { get; set; }

    /// <summary>The answer as the cache may keep it.</summary>
    public CachedAnswer? Cacheable { get; set; }
}
