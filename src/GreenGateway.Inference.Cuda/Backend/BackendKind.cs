namespace GreenGateway.Inference.Cuda.Backend;

/// <summary>Where the forward pass runs, as configuration spells it: <c>cpu</c>, <c>cuda</c> or <c>auto</c>.</summary>
public enum BackendKind
{
    /// <summary>The CPU engine (SIMD kernels).</summary>
    Cpu,

    /// <summary>The CUDA backend; fails at load when there is no GPU or driver.</summary>
    Cuda,

    /// <summary>CUDA when a GPU and its driver are there, else the CPU with a log line saying why.</summary>
    Auto,
}

/// <summary>Parsing of <see cref="BackendKind"/> from configuration.</summary>
public static class BackendKinds
{
    /// <summary>The accepted spellings, for error messages.</summary>
    public const string Accepted = "'cpu', 'cuda' or 'auto'";

    /// <summary>Case-insensitive <c>cpu</c>, <c>cuda</c>, <c>auto</c>; anything else is false.</summary>
    public static bool TryParse(string? text, out BackendKind kind)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "cpu":
                kind = BackendKind.Cpu;
                return true;
            case "cuda" or "gpu":
                kind = BackendKind.Cuda;
                return true;
            case "auto":
                kind = BackendKind.Auto;
                return true;
            default:
                kind = default;
                return false;
        }
    }

    public static BackendKind Parse(string? text) => TryParse(text, out var kind)
        ? kind
        : throw new ArgumentException($"backend must be {Accepted}, not '{text}'.", nameof(text));
}
