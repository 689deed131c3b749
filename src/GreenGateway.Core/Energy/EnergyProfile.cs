namespace GreenGateway.Core.Energy;

/// <summary>
/// What one model costs to run, per token and per request, in joules of accelerator (IT) energy.
/// PUE is applied on top (see <see cref="EnergyModel"/>). Defaults and their sources: docs/energy-model.md.
/// </summary>
public sealed record EnergyProfile
{
    /// <summary>Joules per prompt (prefill) token. Required.</summary>
    public double JoulesPerPromptToken { get; init; }

    /// <summary>Joules per completion (decode) token. Required.</summary>
    public double JoulesPerCompletionToken { get; init; }

    /// <summary>Fixed joules per request (scheduling, idle share). Default 0.</summary>
    public double JoulesPerRequest { get; init; }

    /// <summary>Collects every problem with this profile, prefixed with <paramref name="path"/>.</summary>
    public void Validate(string path, List<string> errors)
    {
        if (!(JoulesPerPromptToken >= 0) || double.IsInfinity(JoulesPerPromptToken))
        {
            errors.Add($"{path}.JoulesPerPromptToken must be a finite number >= 0 (got {JoulesPerPromptToken}).");
        }

        if (!(JoulesPerCompletionToken >= 0) || double.IsInfinity(JoulesPerCompletionToken))
        {
            errors.Add($"{path}.JoulesPerCompletionToken must be a finite number >= 0 (got {JoulesPerCompletionToken}).");
        }

        if (!(JoulesPerRequest >= 0) || double.IsInfinity(JoulesPerRequest))
        {
            errors.Add($"{path}.JoulesPerRequest must be a finite number >= 0 (got {JoulesPerRequest}).");
        }
    }
}
