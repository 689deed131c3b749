using GreenGateway.LoadTests.Reporting;
using GreenGateway.LoadTests.Targets;

namespace GreenGateway.LoadTests.Scenarios;

/// <summary>Everything a run measured, for the objectives and the report.</summary>
/// <param name="RunStartS">When the measured run began on the harness's clock (process samples use that clock).</param>
/// <param name="KilledAtS">When a fleet replica was killed, seconds into the run.</param>
internal sealed record RunOutcome(
    Scenario Scenario,
    Summary Gateway,
    Summary? Direct,
    int WarmupRequests,
    double RunStartS,
    IReadOnlyList<(string Name, IReadOnlyList<ProcessSample> Samples)> Processes,
    LedgerUsage? Ledger,
    double? KilledAtS);
