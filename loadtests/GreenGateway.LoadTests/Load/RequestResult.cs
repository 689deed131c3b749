namespace GreenGateway.LoadTests.Load;

/// <summary>
/// One request as the client saw it. Status 0: no HTTP response (connection refused or reset, timeout).
/// Energy and carbon are the gateway's figures (headers, or the usage chunk of a stream); NaN when absent.
/// </summary>
internal readonly record struct RequestResult(int Status, string? Tier, double EnergyJ, double CarbonG, string Tenant)
{
    public static RequestResult Failed(string tenant) => new(0, null, double.NaN, double.NaN, tenant);
}

/// <summary>A request's result with its timing: due offset and completion offset in seconds, latency in ms from due time.</summary>
internal readonly record struct Completed(double DueS, double DoneS, double LatencyMs, RequestResult Result);
