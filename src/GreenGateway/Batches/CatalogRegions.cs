using System.Diagnostics.Metrics;
using GreenGateway.Configuration;
using GreenGateway.Core.Batches;
using GreenGateway.Upstreams;
using Microsoft.Extensions.Options;

namespace GreenGateway.Batches;

/// <summary>A model's regions as the catalog knows them: its own route's, then every other upstream's that serves it.</summary>
internal sealed class CatalogRegions(ModelCatalog catalog, IOptions<GatewayConfig> options) : IBatchRegions
{
    public string HomeRegion(string model) => catalog.TryResolve(model, out var route) ? route!.Region : options.Value.Carbon.Region;

    public IReadOnlyList<string> Regions(string model)
    {
        var regions = new List<string> { HomeRegion(model) };
        foreach (var route in catalog.RoutesIn(model))
        {
            if (!regions.Contains(route.Region, StringComparer.OrdinalIgnoreCase))
            {
                regions.Add(route.Region);
            }
        }

        return regions;
    }
}

/// <summary>Batch lines and batches in the <c>GreenGateway</c> meter.</summary>
internal sealed class BatchMetrics : IBatchObserver
{
    private readonly System.Diagnostics.Metrics.Counter<long> _lines;
    private readonly System.Diagnostics.Metrics.Counter<double> _carbon;
    private readonly System.Diagnostics.Metrics.Counter<double> _counterfactual;
    private readonly System.Diagnostics.Metrics.Counter<long> _ended;
    private readonly System.Diagnostics.Metrics.Counter<long> _submitted;
    private readonly System.Diagnostics.Metrics.Counter<double> _saved;

    public BatchMetrics(System.Diagnostics.Metrics.IMeterFactory meters)
    {
        var meter = meters.Create(Telemetry.GatewayMetrics.MeterName);
        _lines = meter.CreateCounter<long>("gg.batch.requests", "{request}", "Batch requests recorded, by tenant and outcome (ok, failed).");
        _carbon = meter.CreateCounter<double>("gg.batch.carbon", "gCO2e", "Emissions of batch requests, as charged.");
        _counterfactual = meter.CreateCounter<double>("gg.batch.carbon.counterfactual", "gCO2e", "What the same batch requests would have emitted run at submission.");
        _ended = meter.CreateCounter<long>("gg.batches.ended", "{batch}", "Batches ended, by tenant and status.");
        _submitted = meter.CreateCounter<long>("gg.batch.requests.submitted", "{request}",
            "Requests in batches created, by tenant: progress is gg.batch.requests over this.");
        _saved = meter.CreateCounter<double>("gg.batch.carbon.saved", "gCO2e", "Counterfactual less charged emissions of batch requests, by tenant.");
    }

    public void BatchCreated(BatchRecord batch)
    {
        if (_submitted.Enabled)
        {
            _submitted.Add(batch.Total, new KeyValuePair<string, object?>("tenant", batch.TenantId));
        }
    }

    public void LineRecorded(BatchRecord batch, BatchLineResult result)
    {
        var tenant = new KeyValuePair<string, object?>("tenant", batch.TenantId);
        if (_lines.Enabled)
        {
            _lines.Add(1, tenant, new KeyValuePair<string, object?>("outcome", result.Ok ? "ok" : "failed"));
        }

        if (_carbon.Enabled)
        {
            _carbon.Add(result.CarbonGrams, tenant);
            _counterfactual.Add(result.CounterfactualGrams, tenant);
        }

        if (_saved.Enabled)
        {
            _saved.Add(result.CounterfactualGrams - result.CarbonGrams, tenant);
        }
    }

    public void BatchEnded(BatchRecord batch)
    {
        if (_ended.Enabled)
        {
            _ended.Add(1, new KeyValuePair<string, object?>("tenant", batch.TenantId), new KeyValuePair<string, object?>("status", batch.Status));
        }
    }
}
