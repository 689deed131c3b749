using Microsoft.ML.Data;

namespace GreenGateway.Semantics.Routing;

/// <summary>One prompt as the ML.NET router reads it (and, in training, its label).</summary>
public sealed class RouterInput
{
    /// <summary>The last user message.</summary>
    public string Prompt { get; set; } = "";

    /// <summary>The cheapest tier good enough for it (training only; empty when scoring).</summary>
    public string Label { get; set; } = "";
}

/// <summary>The router's scores: one probability per tier, in the order of the model's label key values.</summary>
public sealed class RouterOutput
{
    [ColumnName("Score")]
    public float[] Score { get; set; } = [];
}

/// <summary>A prompt with its sentence embedding, for the router experiments that add the embedding as a feature.</summary>
public sealed class RouterEmbeddedInput
{
    public string Prompt { get; set; } = "";

    public string Label { get; set; } = "";

    /// <summary>The prompt's sentence embedding (fixed length per model: the schema says how long).</summary>
    public float[] Embedding { get; set; } = [];
}
