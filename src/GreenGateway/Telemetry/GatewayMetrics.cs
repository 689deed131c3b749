using System.Diagnostics;
using System.Diagnostics.Metrics;
using GreenGateway.Accounting;

namespace GreenGateway.Telemetry;

/// <summary>The <c>GreenGateway</c> meter: requests, tokens, joules and gCO2e by tenant, model and tier.</summary>
internal sealed class GatewayMetrics
{
    public const string MeterName = "GreenGateway";

    private readonly Counter<long> _requests;
    private readonly Counter<long> _tokens;
    private readonly Counter<double> _energy;
    private readonly Counter<double> _carbon;
    private readonly Counter<double> _baseline;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _downgraded;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _probes;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("gg.requests", "{request}", "Interpreted requests, by tenant, model, tier and status.");
        _tokens = meter.CreateCounter<long>("gg.tokens", "{token}", "Tokens, by tenant, model, tier and type (prompt, completion).");
        _energy = meter.CreateCounter<double>("gg.energy", "J", "Energy charged, facility energy (PUE included).");
        _carbon = meter.CreateCounter<double>("gg.carbon", "gCO2e", "Emissions charged.");
        _baseline = meter.CreateCounter<double>("gg.energy.baseline", "J", "Energy the same requests would have cost at the large model.");
        _refused = meter.CreateCounter<long>("gg.budget.refused", "{request}", "Requests refused because a budget was spent.");
        _downgraded = meter.CreateCounter<long>("gg.budget.downgraded", "{request}", "Requests downgraded because a budget was spent.");
        _duration = meter.CreateHistogram<double>("gg.request.duration", "s", "Time from admission to the last byte.");
        _probes = meter.CreateCounter<long>("gg.baseline.probes", "{request}", "Requests sent to the large model alone to keep its fitted counterfactual current.");
        _rejected = meter.CreateCounter<long>("gg.figures.rejected", "{figure}", "Token counts or energy an upstream reported that were implausible and not charged.");
    }

    public void Completed(in CompletedRequest request)
    {
        var tags = new TagList
        {
            { "tenant", request.Tenant },
            { "model", request.Model },
            { "tier", request.Tier },
        };
        if (_duration.Enabled)
        {
            _duration.Record(request.Elapsed.TotalSeconds, tags);
        }

        if (_requests.Enabled)
        {
            var withStatus = tags;
            withStatus.Add("status", request.Status);
            _requests.Add(1, withStatus);
        }

        if (request.Figures is not { } figures)
        {
            return;
        }

        _energy.Add(figures.Energy.Joules, tags);
        _carbon.Add(figures.CarbonGrams, tags);
        var baseline = tags;
        baseline.Add("baseline_method", figures.BaselineMethodName);
        _baseline.Add(figures.BaselineJoules, baseline);
        if (_tokens.Enabled)
        {
            var prompt = tags;
            prompt.Add("type", "prompt");
            _tokens.Add(figures.Usage.PromptTokens, prompt);
            var completion = tags;
            completion.Add("type", "completion");
            _tokens.Add(figures.Usage.CompletionTokens, completion);
        }
    }

    public void Refused(string tenant, string model) => _refused.Add(1, new TagList { { "tenant", tenant }, { "model", model } });

    public void Downgraded(string tenant, string model) => _downgraded.Add(1, new TagList { { "tenant", tenant }, { "model", model } });

    public void BaselineProbe(string model) => _probes.Add(1, new TagList { { "model", model } });

    public void FigureRejected(string model, string what) => _rejected.Add(1, new TagList { { "model", model }, { "figure", what } });
}

/// <summary>One finished request as the meter and the log line see it.</summary>
/// <param name="Figures">What was charged; null when nothing was (a refusal, an error).</param>
internal readonly record struct CompletedRequest(string Tenant, string Model, string Tier, int Status, RequestFigures? Figures, TimeSpan Elapsed);
