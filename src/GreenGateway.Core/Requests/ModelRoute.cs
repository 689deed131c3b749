using GreenGateway.Core.Energy;

namespace GreenGateway.Core.Requests;

/// <summary>Where a requested model goes: the upstream (a YARP cluster), the name sent there, its energy profile.</summary>
/// <param name="Model">The name the client asked for.</param>
/// <param name="Upstream">The upstream's name, which is also its YARP cluster id.</param>
/// <param name="UpstreamModel">The model name written into the forwarded body.</param>
/// <param name="ProfileName">The energy profile's name, reported in metrics and logs.</param>
/// <param name="Profile">The coefficients charged for this model.</param>
/// <param name="Region">The grid region of the upstream, for carbon intensity.</param>
public sealed record ModelRoute(string Model, string Upstream, string UpstreamModel, string ProfileName, EnergyProfile Profile, string Region);
