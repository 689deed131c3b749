namespace GreenGateway.Core.Energy;

/// <summary>How the counterfactual (the large model alone) was obtained; travels with every baseline figure.</summary>
public enum BaselineMethod
{
    /// <summary>From the model's energy profile (docs/energy-model.md): not yet backed by a measurement.</summary>
    Modelled,

    /// <summary>From the energy the large model was measured or reported to use on its own recent answers.</summary>
    Observed,
}
