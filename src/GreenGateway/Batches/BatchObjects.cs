using System.Globalization;
using System.Text.Json.Nodes;
using GreenGateway.Core.Batches;

namespace GreenGateway.Batches;

/// <summary>The file and batch objects in OpenAI's shape (https://platform.openai.com/docs/api-reference/batch/object).</summary>
internal static class BatchObjects
{
    public static JsonObject File(StoredFile file) => new()
    {
        ["id"] = file.Id,
        ["object"] = "file",
        ["bytes"] = file.Bytes,
        ["created_at"] = file.CreatedAt,
        ["filename"] = file.Filename,
        ["purpose"] = file.Purpose,
        ["status"] = "processed",
        ["expires_at"] = file.ExpiresAt,
        ["status_details"] = null,
    };

    /// <summary>
    /// The batch object. Its metadata is the client's, plus the gateway's figures as strings (metadata values are strings
    /// in OpenAI's API): <c>gg_carbon_gco2e</c> (what the answered requests emitted), <c>gg_counterfactual_gco2e</c> (what they
    /// would have emitted run at submission in their model's own region), <c>gg_saved_gco2e</c>, <c>gg_energy_joules</c>,
    /// <c>gg_plan</c> and <c>gg_counterfactual</c>, a sentence that says how the counterfactual is made. The same figures
    /// are in <c>gg</c>, as numbers.
    /// </summary>
    public static JsonObject Batch(BatchRecord batch, bool cancelRequested)
    {
        var status = cancelRequested && !batch.IsTerminal ? "cancelling" : batch.Status;
        var metadata = new JsonObject();
        foreach (var (key, value) in batch.Metadata)
        {
            metadata[key] = value;
        }

        var saved = batch.CounterfactualGrams - batch.CarbonGrams;
        metadata["gg_carbon_gco2e"] = Format(batch.CarbonGrams);
        metadata["gg_counterfactual_gco2e"] = Format(batch.CounterfactualGrams);
        metadata["gg_saved_gco2e"] = Format(saved);
        metadata["gg_energy_joules"] = Format(batch.EnergyJoules);
        metadata["gg_counterfactual"] = Explanation(batch);
        if (batch.Plan is { } plan)
        {
            metadata["gg_plan"] = plan.Length > 512 ? plan[..509] + "..." : plan;
        }

        JsonNode? errors = null;
        if (batch.Errors.Count > 0)
        {
            var data = new JsonArray();
            foreach (var error in batch.Errors)
            {
                data.Add(new JsonObject { ["code"] = error.Code, ["message"] = error.Message, ["param"] = null, ["line"] = error.Line });
            }

            errors = new JsonObject { ["object"] = "list", ["data"] = data };
        }

        return new JsonObject
        {
            ["id"] = batch.Id,
            ["object"] = "batch",
            ["endpoint"] = batch.Endpoint,
            ["errors"] = errors,
            ["input_file_id"] = batch.InputFileId,
            ["completion_window"] = batch.CompletionWindow,
            ["status"] = status,
            ["output_file_id"] = batch.OutputFileId,
            ["error_file_id"] = batch.ErrorFileId,
            ["created_at"] = batch.CreatedAt,
            ["in_progress_at"] = batch.InProgressAt,
            ["expires_at"] = batch.ExpiresAt,
            ["finalizing_at"] = batch.FinalizingAt,
            ["completed_at"] = batch.CompletedAt,
            ["failed_at"] = batch.FailedAt,
            ["expired_at"] = batch.ExpiredAt,
            ["cancelling_at"] = batch.CancellingAt,
            ["cancelled_at"] = batch.CancelledAt,
            ["request_counts"] = new JsonObject { ["total"] = batch.Total, ["completed"] = batch.Completed, ["failed"] = batch.Failed },
            ["metadata"] = metadata,
            ["gg"] = Figures(batch),
        };
    }

    /// <summary>The batch's figures as numbers (the batch object's <c>gg</c>, and /v1/usage's batches).</summary>
    public static JsonObject Figures(BatchRecord batch)
    {
        var submission = new JsonObject();
        foreach (var (region, grams) in batch.SubmissionIntensity)
        {
            submission[region] = grams;
        }

        return new JsonObject
        {
            ["energy_joules"] = batch.EnergyJoules,
            ["carbon_gco2e"] = batch.CarbonGrams,
            ["counterfactual_gco2e"] = batch.CounterfactualGrams,
            ["saved_gco2e"] = batch.CounterfactualGrams - batch.CarbonGrams,
            ["submission_g_per_kwh"] = submission,
            ["planned_g_per_kwh"] = batch.PlannedGramsPerKwh,
            ["plan"] = batch.Plan,
            ["counterfactual"] = Explanation(batch),
        };
    }

    /// <summary>
    /// One batch's progress and carbon as <c>/v1/usage</c> and the dashboard show them: its status, request counts and
    /// deadline (<c>expires_at</c>), what it emitted, what running it at submission would have emitted, the difference, and
    /// its whole-batch hold (null without one) with how much of it the requests that ran on it used.
    /// </summary>
    public static JsonObject Summary(BatchRecord batch) => new()
    {
        ["id"] = batch.Id,
        ["status"] = batch.Status,
        ["created_at"] = batch.CreatedAt,
        ["expires_at"] = batch.ExpiresAt,
        ["request_counts"] = new JsonObject { ["total"] = batch.Total, ["completed"] = batch.Completed, ["failed"] = batch.Failed },
        ["total"] = batch.Total,
        ["completed"] = batch.Completed,
        ["failed"] = batch.Failed,
        ["energy_joules"] = batch.EnergyJoules,
        ["carbon_gco2e"] = batch.CarbonGrams,
        ["counterfactual_gco2e"] = batch.CounterfactualGrams,
        ["saved_gco2e"] = batch.CounterfactualGrams - batch.CarbonGrams,
        ["plan"] = batch.Plan,
        ["hold"] = batch.Hold is { } hold
            ? new JsonObject
            {
                ["energy_joules"] = hold.Joules,
                ["carbon_gco2e"] = hold.Grams,
                ["used_energy_joules"] = batch.HeldJoules,
                ["used_carbon_gco2e"] = batch.HeldGrams,
                ["settled"] = batch.IsTerminal,
            }
            : null,
    };

    /// <summary>A tenant's batches together: how many, how many still running, their requests, and the carbon they cost and saved.</summary>
    public static JsonObject Totals(IReadOnlyList<BatchRecord> batches)
    {
        int active = 0, total = 0, completed = 0, failed = 0;
        double carbon = 0, counterfactual = 0;
        foreach (var batch in batches)
        {
            active += batch.IsTerminal ? 0 : 1;
            total += batch.Total;
            completed += batch.Completed;
            failed += batch.Failed;
            carbon += batch.CarbonGrams;
            counterfactual += batch.CounterfactualGrams;
        }

        return new JsonObject
        {
            ["batches"] = batches.Count,
            ["active"] = active,
            ["request_counts"] = new JsonObject { ["total"] = total, ["completed"] = completed, ["failed"] = failed },
            ["carbon_gco2e"] = carbon,
            ["counterfactual_gco2e"] = counterfactual,
            ["saved_gco2e"] = counterfactual - carbon,
        };
    }

    private static string Explanation(BatchRecord batch) =>
        "counterfactual = each answered request's charged gCO2e with its energy re-priced at the grid intensity of its model's region at submission ("
        + string.Join(", ", batch.SubmissionIntensity.Select(kv => $"{kv.Key} {Format(kv.Value)} g/kWh"))
        + "), i.e. the same answers run at once where the model lives; saved = counterfactual - charged";

    private static string Format(double value) => Math.Round(value, 9).ToString("R", CultureInfo.InvariantCulture);
}
