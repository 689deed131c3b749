using System.Collections.Concurrent;
using System.Diagnostics;
using GreenGateway.Configuration;
using Microsoft.Extensions.Options;

namespace GreenGateway.Upstreams;

/// <summary>
/// Each upstream's measured latency: the time from sending a request (POST: a model call, not a health probe) to its
/// response headers, as an exponentially weighted mean (weight <see cref="Weight"/> for each new sample). It is what
/// <c>carbon_aware.prefer_region</c> compares: a cleaner upstream takes a live request only while its figure less the
/// model's own upstream's is within the tenant's bound (<see cref="Pipeline.ModelResolver"/>).
/// <para>
/// An upstream nobody sent to has no figure. Assuming it within the bound would break the bound; assuming it out of it
/// for ever would never move anything. So it gets a probe: at most one live request per
/// <c>Gateway.LatencyProbeSeconds</c> (<see cref="TryTakeProbe"/>), and only when the operator's declared
/// <c>AddedLatencyMs</c> is within the bound. The same holds for an upstream measured out of the bound whose last
/// sample is that old: the grid moves, and so do networks. A sample that comes after such a gap replaces the mean
/// rather than nudging it, so one probe is enough to bring a figure up to date.
/// </para>
/// </summary>
internal sealed class UpstreamLatency(TimeProvider time, IOptions<GatewayConfig> options)
{
    /// <summary>The weight of a new sample: about the last ten requests count (1 - 0.8^10 = 89 %).</summary>
    public const double Weight = 0.2;

    private readonly ConcurrentDictionary<string, Estimate> _estimates = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _probes = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeSpan _probeInterval = TimeSpan.FromSeconds(options.Value.Gateway.LatencyProbeSeconds);

    /// <summary>Records one request's time to response headers.</summary>
    public void Observe(string upstream, TimeSpan elapsed)
    {
        var now = time.GetUtcNow();
        var sample = elapsed.TotalMilliseconds;
        _estimates.AddOrUpdate(upstream, static (_, s) => new Estimate(s.Sample, s.Now, 1),
            static (_, old, s) => s.Now - old.At > s.Stale
                ? new Estimate(s.Sample, s.Now, 1)
                : new Estimate(old.Ms + (Weight * (s.Sample - old.Ms)), s.Now, old.Samples + 1),
            (Sample: sample, Now: now, Stale: _probeInterval));
    }

    /// <summary>The upstream's mean latency (ms), its latest sample's time and the samples behind it; null when never measured.</summary>
    public Estimate? Of(string upstream) => _estimates.TryGetValue(upstream, out var estimate) ? estimate : null;

    /// <summary>Whether the figure is older than the probe interval (a probe may renew it).</summary>
    public bool IsStale(Estimate estimate) => time.GetUtcNow() - estimate.At > _probeInterval;

    /// <summary>True for at most one caller per probe interval per upstream: that caller's request is the probe.</summary>
    public bool TryTakeProbe(string upstream)
    {
        var now = time.GetUtcNow();
        while (true)
        {
            if (_probes.TryGetValue(upstream, out var last))
            {
                if (now - last < _probeInterval)
                {
                    return false;
                }

                if (_probes.TryUpdate(upstream, now, last))
                {
                    return true;
                }
            }
            else if (_probes.TryAdd(upstream, now))
            {
                return true;
            }
        }
    }

    /// <param name="Ms">The weighted mean, milliseconds.</param>
    /// <param name="At">When the latest sample came.</param>
    /// <param name="Samples">Samples since the mean was last replaced.</param>
    public sealed record Estimate(double Ms, DateTimeOffset At, long Samples);

    /// <summary>Times each model call an upstream's client sends (YARP's forwarder, the verifier): the request to its response headers.</summary>
    public sealed class TimingHandler(UpstreamLatency latency, string upstream) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method != HttpMethod.Post)
            {
                return await base.SendAsync(request, cancellationToken);
            }

            // A duration, not a clock: the stopwatch, whatever TimeProvider the gateway runs on.
            var start = Stopwatch.GetTimestamp();
            var response = await base.SendAsync(request, cancellationToken);
            if ((int)response.StatusCode < 500)
            {
                latency.Observe(upstream, Stopwatch.GetElapsedTime(start));
            }

            return response;
        }
    }
}
