namespace GreenGateway.Core.Rules;

/// <summary>
/// Units by name, each with its exact factor to its kind's base unit (metre, kilogram, litre, second,
/// joule, byte). The factors are definitions, not measurements: NIST Special Publication 811 (2008),
/// Appendix B (international foot 0.3048 m, mile 1609.344 m, pound 0.45359237 kg, US gallon
/// 3.785411784 L, thermochemical calorie 4.184 J), the nautical mile of 1852 m (ibid.), and the IEC
/// 80000-13 binary prefixes (KiB = 1024 B). Temperatures are affine, with degrees Celsius as their base
/// (°C = (°F - 32) x 5 / 9, °C = K - 273.15); division comes last so that terminating results stay exact.
/// </summary>
internal static class Units
{
    private static readonly Dictionary<string, Unit> ByName = Build();

    public static bool TryGet(string name, out Unit unit) =>
        ByName.TryGetValue(name.Trim().ToLowerInvariant().Replace("°", "", StringComparison.Ordinal).Replace("degrees ", "", StringComparison.Ordinal), out unit!);

    private static Dictionary<string, Unit> Build()
    {
        var units = new Dictionary<string, Unit>(StringComparer.Ordinal);
        void Add(string kind, string symbol, decimal factor, params string[] names)
        {
            var unit = new Unit(kind, symbol, 0, factor, 1, 0);
            foreach (var name in names.Append(symbol.ToLowerInvariant()))
            {
                units[name] = unit;
            }
        }

        Add("length", "m", 1m, "meter", "meters", "metre", "metres");
        Add("length", "km", 1000m, "kilometer", "kilometers", "kilometre", "kilometres");
        Add("length", "cm", 0.01m, "centimeter", "centimeters", "centimetre", "centimetres");
        Add("length", "mm", 0.001m, "millimeter", "millimeters", "millimetre", "millimetres");
        Add("length", "mi", 1609.344m, "mile", "miles");
        Add("length", "yd", 0.9144m, "yard", "yards");
        Add("length", "ft", 0.3048m, "foot", "feet");
        Add("length", "in", 0.0254m, "inch", "inches");
        Add("length", "nmi", 1852m, "nautical mile", "nautical miles");
        Add("mass", "kg", 1m, "kilogram", "kilograms", "kilo", "kilos");
        Add("mass", "g", 0.001m, "gram", "grams");
        Add("mass", "mg", 0.000001m, "milligram", "milligrams");
        Add("mass", "t", 1000m, "tonne", "tonnes", "metric ton", "metric tons");
        Add("mass", "lb", 0.45359237m, "pound", "pounds", "lbs");
        Add("mass", "oz", 0.028349523125m, "ounce", "ounces");
        Add("volume", "L", 1m, "l", "liter", "liters", "litre", "litres");
        Add("volume", "mL", 0.001m, "ml", "milliliter", "milliliters", "millilitre", "millilitres");
        Add("volume", "gal", 3.785411784m, "gallon", "gallons", "us gallon", "us gallons");
        Add("volume", "fl oz", 0.0295735295625m, "fluid ounce", "fluid ounces");
        Add("time", "s", 1m, "sec", "second", "seconds");
        Add("time", "min", 60m, "minute", "minutes", "mins");
        Add("time", "h", 3600m, "hr", "hour", "hours", "hrs");
        Add("time", "day", 86400m, "days");
        Add("time", "week", 604800m, "weeks");
        Add("energy", "J", 1m, "j", "joule", "joules");
        Add("energy", "kJ", 1000m, "kj", "kilojoule", "kilojoules");
        Add("energy", "Wh", 3600m, "wh", "watt hour", "watt hours", "watt-hour", "watt-hours");
        Add("energy", "kWh", 3_600_000m, "kwh", "kilowatt hour", "kilowatt hours", "kilowatt-hour", "kilowatt-hours");
        Add("energy", "cal", 4.184m, "calorie", "calories");
        Add("energy", "kcal", 4184m, "kilocalorie", "kilocalories");
        Add("data", "B", 1m, "b", "byte", "bytes");
        Add("data", "KB", 1000m, "kb", "kilobyte", "kilobytes");
        Add("data", "MB", 1_000_000m, "mb", "megabyte", "megabytes");
        Add("data", "GB", 1_000_000_000m, "gb", "gigabyte", "gigabytes");
        Add("data", "KiB", 1024m, "kib", "kibibyte", "kibibytes");
        Add("data", "MiB", 1_048_576m, "mib", "mebibyte", "mebibytes");
        Add("data", "GiB", 1_073_741_824m, "gib", "gibibyte", "gibibytes");

        units["c"] = units["celsius"] = new Unit("temperature", "°C", 0, 1, 1, 0);
        units["k"] = units["kelvin"] = new Unit("temperature", "K", 0, 1, 1, -273.15m);
        units["f"] = units["fahrenheit"] = new Unit("temperature", "°F", -32, 5, 9, 0);
        return units;
    }
}

/// <summary>A unit: <c>base = (value + Before) x Numerator / Denominator + After</c>.</summary>
internal sealed record Unit(string Kind, string Symbol, decimal Before, decimal Numerator, decimal Denominator, decimal After)
{
    public decimal ToBase(decimal value) => ((value + Before) * Numerator / Denominator) + After;

    public decimal FromBase(decimal value) => ((value - After) * Denominator / Numerator) - Before;
}
