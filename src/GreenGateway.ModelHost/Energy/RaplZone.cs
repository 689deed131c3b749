using System.Globalization;

namespace GreenGateway.ModelHost.Energy;

/// <summary>One top-level RAPL package zone (Linux powercap: energy_uj and max_energy_range_uj, microjoules).</summary>
internal sealed class RaplZone
{
    private readonly string _energyPath;

    private RaplZone(string energyPath, double rangeJoules)
    {
        _energyPath = energyPath;
        RangeJoules = rangeJoules;
    }

    public double RangeJoules { get; }

    public double ReadJoules() => ReadMicrojoules(_energyPath) / 1e6;

    /// <summary>The package zones (intel-rapl:0, intel-rapl:1, not their sub-zones) whose counters can be read.</summary>
    public static RaplZone[] Discover(string powercap)
    {
        if (!Directory.Exists(powercap))
        {
            return [];
        }

        var zones = new List<RaplZone>();
        foreach (var dir in Directory.GetDirectories(powercap, "intel-rapl:*"))
        {
            var name = Path.GetFileName(dir);
            if (name.Count(static c => c == ':') != 1)
            {
                continue; // sub-zones (core, uncore, dram) are already inside their package's count
            }

            var energy = Path.Combine(dir, "energy_uj");
            try
            {
                ReadMicrojoules(energy);
                var range = File.Exists(Path.Combine(dir, "max_energy_range_uj")) ? ReadMicrojoules(Path.Combine(dir, "max_energy_range_uj")) : 0;
                zones.Add(new RaplZone(energy, range / 1e6));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // Since Linux 5.10 energy_uj is readable by root only (CVE-2020-8694); then the estimate is used.
            }
        }

        return [.. zones];
    }

    private static double ReadMicrojoules(string path) =>
        double.Parse(File.ReadAllText(path).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture);
}
