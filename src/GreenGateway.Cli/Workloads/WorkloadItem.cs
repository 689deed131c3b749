using System.Text.Json.Serialization;

namespace GreenGateway.Cli.Workloads;

/// <summary>A chat message of a workload item, as the OpenAI API writes it.</summary>
internal sealed record ChatTurn(string Role, string Content);

/// <summary>
/// One request of a workload: the chat messages (or a plain prompt), what kind of request it is, the reference
/// answer and how to check an answer against it, and for a repeat the id of the item it repeats.
/// </summary>
internal sealed record WorkloadItem
{
    /// <summary>The item's id; empty in a bare prompt set (the labeler numbers those).</summary>
    public string Id { get; init; } = "";

    public IReadOnlyList<ChatTurn>? Messages { get; init; }

    /// <summary>A plain prompt, for prompt sets that have no messages.</summary>
    public string? Prompt { get; init; }

    /// <summary>One of <see cref="WorkloadKinds"/>; "prompt" for a bare prompt set.</summary>
    public string Kind { get; init; } = WorkloadKinds.Prompt;

    /// <summary>The reference answer; null where there is none (greetings: any answer will do).</summary>
    public string? GroundTruth { get; init; }

    /// <summary><c>exact</c> or <c>contains</c> (<see cref="Evaluation.AnswerCheck"/>).</summary>
    public string Check { get; init; } = AnswerCheckKinds.Exact;

    /// <summary>For a repeat or a paraphrase: the id of the earlier item it repeats.</summary>
    public string? RepeatOf { get; init; }

    /// <summary>For a .NET API question: the member it asks about.</summary>
    public string? Member { get; init; }

    /// <summary>The text the router and the rules see: the last user message, or the prompt.</summary>
    [JsonIgnore]
    public string Question
    {
        get
        {
            if (Messages is { Count: > 0 } messages)
            {
                for (var i = messages.Count - 1; i >= 0; i--)
                {
                    if (messages[i].Role == "user")
                    {
                        return messages[i].Content;
                    }
                }
            }

            return Prompt ?? "";
        }
    }

    /// <summary>The messages to send: the item's own, or the prompt as one user message.</summary>
    [JsonIgnore]
    public IReadOnlyList<ChatTurn> Chat => Messages ?? [new ChatTurn("user", Prompt ?? "")];
}

/// <summary>The kinds of workload items (docs/cascade-workload.md).</summary>
internal static class WorkloadKinds
{
    public const string ApiTrain = "api-train";
    public const string ApiHeldOut = "api-heldout";
    public const string Repeat = "repeat";
    public const string Paraphrase = "paraphrase";
    public const string Arithmetic = "rule-arithmetic";
    public const string Units = "rule-units";
    public const string Weekday = "rule-weekday";
    public const string Greeting = "rule-greeting";
    public const string Prompt = "prompt";

    public static IReadOnlyList<string> All { get; } = [ApiTrain, ApiHeldOut, Repeat, Paraphrase, Arithmetic, Units, Weekday, Greeting];

    public static bool IsRule(string kind) => kind.StartsWith("rule-", StringComparison.Ordinal);
}

internal static class AnswerCheckKinds
{
    public const string Exact = "exact";
    public const string Contains = "contains";
}
