using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Core.Budgets;
using GreenGateway.Tenants;

namespace GreenGateway.Endpoints;

/// <summary><c>GET /v1/usage</c>: the calling tenant's consumption and remaining budget in each window.</summary>
internal static class UsageEndpoint
{
    public static async Task HandleAsync(HttpContext context, IBudgetLedger ledger, TimeProvider time, Accounting.Counterfactual counterfactual,
        Cascade.CascadeJudge judge, Upstreams.ModelCatalog catalog, Dashboard.DashboardQuery dashboard, GreenGateway.Core.Batches.IBatchStore batches)
    {
        var tenant = context.Features.Get<TenantFeature>()!.Tenant;
        var now = time.GetUtcNow();
        var windows = await ledger.GetUsageAsync(tenant.Id, now, context.RequestAborted);

        // Everything read from the shared state is read before the first byte goes out: once the body has begun, a
        // failure can no longer be answered, only cut off. Usage stays available while a store is away; its section is
        // then null.
        JsonArray? feedback = null;
        IReadOnlyList<GreenGateway.Core.Batches.BatchRecord>? batchList = null;
        try
        {
            feedback = await dashboard.FeedbackAsync(tenant.Id, context.RequestAborted);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
        }

        try
        {
            batchList = await batches.ListBatchesAsync(tenant.Id, context.RequestAborted);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
        }

        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("object", "usage");
        json.WriteString("tenant", tenant.Id);
        json.WriteString("at", now);
        json.WriteStartArray("windows");
        foreach (var usage in windows)
        {
            var limit = tenant.Limits.FirstOrDefault(l => l.Window == usage.Span.Window);
            json.WriteStartObject();
            json.WriteString("window", usage.Span.Window.ToString().ToLowerInvariant());
            json.WriteString("start", usage.Span.Start);
            json.WriteString("end", usage.Span.End);
            json.WriteNumber("energy_joules", usage.Consumed.Joules);
            json.WriteNumber("energy_wh", usage.Consumed.WattHours);
            json.WriteNumber("carbon_gco2e", usage.Consumed.GramsCo2e);
            json.WriteNumber("reserved_energy_joules", usage.Reserved.Joules);
            json.WriteNumber("reserved_carbon_gco2e", usage.Reserved.GramsCo2e);
            WriteLimit(json, "energy_wh", limit?.EnergyJoules / 3600.0, (usage.Consumed.Joules + usage.Reserved.Joules) / 3600.0);
            WriteLimit(json, "carbon_gco2e", limit?.CarbonGrams, usage.Consumed.GramsCo2e + usage.Reserved.GramsCo2e);
            json.WriteBoolean("exhausted", limit?.IsSpent(usage.Consumed + usage.Reserved) ?? false);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        WriteBaselines(json, counterfactual, catalog, time.GetUtcNow());
        WriteLatencies(json, judge);
        json.WritePropertyName("feedback");
        if (feedback is null)
        {
            json.WriteNullValue();
        }
        else
        {
            feedback.WriteTo(json);
        }

        WriteBatches(json, batchList);
        json.WriteEndObject();
    }

    /// <summary>
    /// The tenant's latest batches (20): progress, deadline, and the carbon each cost against running it at submission;
    /// and all its batches together (<c>batch_totals</c>). Both null while the batch store is away.
    /// </summary>
    private static void WriteBatches(Utf8JsonWriter json, IReadOnlyList<GreenGateway.Core.Batches.BatchRecord>? batches)
    {
        if (batches is null)
        {
            json.WriteNull("batches");
            json.WriteNull("batch_totals");
            return;
        }

        json.WriteStartArray("batches");
        foreach (var batch in batches.Take(20))
        {
            Batches.BatchObjects.Summary(batch).WriteTo(json);
        }

        json.WriteEndArray();
        json.WritePropertyName("batch_totals");
        Batches.BatchObjects.Totals(batches).WriteTo(json);
    }

    /// <summary>Each large model's counterfactual: observed (fitted from its own answers) or still modelled, and how good the fit is.</summary>
    private static void WriteBaselines(Utf8JsonWriter json, Accounting.Counterfactual counterfactual, Upstreams.ModelCatalog catalog, DateTimeOffset now)
    {
        json.WriteStartArray("baselines");
        var models = new SortedSet<string>(counterfactual.Models, StringComparer.Ordinal);
        foreach (var (model, _) in catalog.List())
        {
            models.Add(model);
        }

        foreach (var model in models)
        {
            // Reads the shared observations again when the fit is older than its refresh interval.
            _ = counterfactual.Observed(model);
            if (counterfactual.Latest(model) is not { } fit)
            {
                continue;
            }

            json.WriteStartObject();
            json.WriteString("model", model);
            json.WriteString("baseline_method", fit.IsObserved(counterfactual.Options, now) ? "observed" : "modelled");
            json.WriteNumber("it_joules_per_request", fit.JoulesPerRequest);
            json.WriteNumber("it_joules_per_prompt_token", fit.JoulesPerPromptToken);
            json.WriteNumber("it_joules_per_completion_token", fit.JoulesPerCompletionToken);
            json.WriteNumber("observations", Math.Round(fit.EffectiveObservations, 3));
            json.WriteNumber("whole_answers", fit.FullAnswers);
            json.WriteNumber("relative_error", Math.Round(fit.RelativeError, 4));
            json.WriteString("newest", fit.Newest);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>Each tier's p50 and p99 latency next to the large model's alone, per model (recent answers).</summary>
    private static void WriteLatencies(Utf8JsonWriter json, Cascade.CascadeJudge judge)
    {
        json.WriteStartArray("latency");
        foreach (var model in judge.Models.Order(StringComparer.Ordinal))
        {
            var latency = judge.Latency(model);
            foreach (var tier in (Core.Cascade.CascadeTier[])[Core.Cascade.CascadeTier.Rules, Core.Cascade.CascadeTier.Cache, Core.Cascade.CascadeTier.Draft,
                         Core.Cascade.CascadeTier.Speculative, Core.Cascade.CascadeTier.Upstream])
            {
                if (latency.Percentile(tier, 0.5) is not { } p50)
                {
                    continue;
                }

                json.WriteStartObject();
                json.WriteString("model", model);
                json.WriteString("tier", Core.Cascade.CascadeTiers.Name(tier));
                json.WriteNumber("p50_ms", Math.Round(p50, 2));
                json.WriteNumber("p99_ms", Math.Round(latency.Percentile(tier, 0.99)!.Value, 2));
                if (latency.AddedP99(tier) is { } added && tier != Core.Cascade.CascadeTier.Upstream)
                {
                    json.WriteNumber("added_p99_ms", Math.Round(added, 2));
                }

                json.WriteEndObject();
            }
        }

        json.WriteEndArray();
    }

    private static void WriteLimit(Utf8JsonWriter json, string name, double? limit, double used)
    {
        if (limit is { } value)
        {
            json.WriteNumber($"limit_{name}", value);
            json.WriteNumber($"remaining_{name}", Math.Max(0, value - used));
        }
        else
        {
            json.WriteNull($"limit_{name}");
            json.WriteNull($"remaining_{name}");
        }
    }
}
