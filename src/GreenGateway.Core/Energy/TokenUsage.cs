namespace GreenGateway.Core.Energy;

/// <summary>Tokens a request used, and whether they were reported by the upstream or counted by the gateway.</summary>
public readonly record struct TokenUsage(int PromptTokens, int CompletionTokens, bool Counted)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}

/// <summary>How an energy figure was obtained; travels with every figure.</summary>
public enum EnergyMethod
{
    /// <summary>From per-token coefficients (docs/energy-model.md).</summary>
    Modelled,

    /// <summary>From the upstream's own <c>X-Energy-Joules</c> response header.</summary>
    UpstreamReported,

    /// <summary>Measured by the gateway itself (RAPL, NVML).</summary>
    Measured,
}

/// <summary>An energy figure in joules (facility energy, PUE included) and how it was obtained.</summary>
public readonly record struct EnergyFigure(double Joules, EnergyMethod Method);
