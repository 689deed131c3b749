using GreenGateway.Core.Tests.Support;

namespace GreenGateway.Core.Carbon.Tests;

public sealed class TimeSeriesCarbonIntensitySourceTests : IDisposable
{
    private const string Csv = """
        region,timestamp,gco2e_per_kwh
        DE,2026-11-21T10:00:00Z,300
        DE,2026-11-21T12:00:00Z,100
        DE,2026-11-21T11:00:00Z,200
        *,2026-11-21T00:00:00Z,50
        """;

    private const string Json = """
        [
          {"region": "DE", "at": "2026-11-21T10:00:00Z", "gramsPerKwh": 300},
          {"region": "DE", "at": "2026-11-21T12:00:00Z", "gramsPerKwh": 100},
          {"region": "DE", "at": "2026-11-21T11:00:00Z", "gramsPerKwh": 200},
          {"region": "*", "at": "2026-11-21T00:00:00Z", "gramsPerKwh": 50}
        ]
        """;

    private readonly TempFolder _folder = new();
    private readonly StaticCarbonIntensitySource _fallback = new(42);

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> Formats => ["csv", "json"];

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task GetAsync_BetweenPoints_UsesThePointInForce(string format)
    {
        var source = Load(format);

        var intensity = await source.GetAsync("DE", Utc(10, 59, 59), TestContext.Current.CancellationToken);

        Assert.Equal(300, intensity.GramsPerKwh);
        Assert.Equal(Utc(10, 0, 0), intensity.At);
        Assert.Equal($"timeseries:grid.{format}", intensity.Source);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task GetAsync_ExactlyAtAPoint_UsesThatPoint(string format)
    {
        var source = Load(format);

        var intensity = await source.GetAsync("DE", Utc(11, 0, 0), TestContext.Current.CancellationToken);

        Assert.Equal(200, intensity.GramsPerKwh);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task GetAsync_AfterLastPoint_KeepsTheLastPoint(string format)
    {
        var source = Load(format);

        var intensity = await source.GetAsync("DE", Utc(23, 0, 0), TestContext.Current.CancellationToken);

        Assert.Equal(100, intensity.GramsPerKwh);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task GetAsync_BeforeFirstPoint_UsesTheFirstPoint(string format)
    {
        var source = Load(format);

        var intensity = await source.GetAsync("DE", Utc(3, 0, 0), TestContext.Current.CancellationToken);

        Assert.Equal(300, intensity.GramsPerKwh);
        Assert.Equal(Utc(10, 0, 0), intensity.At);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task GetAsync_ForRegionWithoutPoints_UsesTheStarSeries(string format)
    {
        var source = Load(format);

        var intensity = await source.GetAsync("FR", Utc(11, 30, 0), TestContext.Current.CancellationToken);

        Assert.Equal(50, intensity.GramsPerKwh);
    }

    [Fact]
    public async Task GetAsync_RegionMatch_IgnoresCase()
    {
        var source = Load("csv");

        var intensity = await source.GetAsync("de", Utc(11, 30, 0), TestContext.Current.CancellationToken);

        Assert.Equal(200, intensity.GramsPerKwh);
    }

    [Fact]
    public async Task GetAsync_ForUnknownRegionWithoutStar_AsksTheFallbackSource()
    {
        var file = _folder.Write("grid.csv", "region,timestamp,gco2e_per_kwh\nDE,2026-11-21T10:00:00Z,300\n");
        var source = TimeSeriesCarbonIntensitySource.Load(file, _fallback);

        var intensity = await source.GetAsync("FR", Utc(11, 0, 0), TestContext.Current.CancellationToken);

        Assert.Equal(new CarbonIntensity(42, "static", Utc(11, 0, 0)), intensity);
    }

    [Fact]
    public async Task Load_Csv_ComparesTimestampsWithOffsetsAsInstants()
    {
        // 12:00+02:00 is 10:00Z; a timestamp without offset is UTC.
        var file = _folder.Write("grid.csv", """
            region,timestamp,gco2e_per_kwh
            DE,2026-11-21T12:00:00+02:00,300
            DE,2026-11-21T11:00:00,200
            """);
        var source = TimeSeriesCarbonIntensitySource.Load(file, _fallback);

        var at1030 = await source.GetAsync("DE", Utc(10, 30, 0), TestContext.Current.CancellationToken);
        var at1130 = await source.GetAsync("DE", Utc(11, 30, 0), TestContext.Current.CancellationToken);

        Assert.Equal(300, at1030.GramsPerKwh);
        Assert.Equal(200, at1130.GramsPerKwh);
    }

    [Fact]
    public async Task Load_Csv_SkipsBlankLinesAndComments()
    {
        var file = _folder.Write("grid.csv", "region,timestamp,gco2e_per_kwh\n\n# from the TSO\nDE, 2026-11-21T10:00:00Z , 310.5\n   \n");
        var source = TimeSeriesCarbonIntensitySource.Load(file, _fallback);

        var intensity = await source.GetAsync("DE", Utc(10, 0, 0), TestContext.Current.CancellationToken);

        Assert.Equal(310.5, intensity.GramsPerKwh);
    }

    [Theory]
    [InlineData("DE,not-a-time,300")]
    [InlineData("DE,2026-11-21T10:00:00Z,lots")]
    [InlineData("DE,2026-11-21T10:00:00Z,-5")]
    [InlineData("DE,2026-11-21T10:00:00Z,NaN")]
    [InlineData("DE,2026-11-21T10:00:00Z,Infinity")]
    [InlineData("DE,2026-11-21T10:00:00Z")]
    [InlineData("DE,2026-11-21T10:00:00Z,300,extra")]
    public void Load_CsvWithMalformedLine_ThrowsNamingTheLine(string badLine)
    {
        var file = _folder.Write("grid.csv", $"region,timestamp,gco2e_per_kwh\nDE,2026-11-21T09:00:00Z,300\n{badLine}\nDE,2026-11-21T11:00:00Z,300\n");

        var e = Assert.Throws<FormatException>(() => TimeSeriesCarbonIntensitySource.Load(file, _fallback));

        Assert.StartsWith("line 3:", e.Message, StringComparison.Ordinal);
        Assert.Contains(badLine, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"at": "2026-11-21T10:00:00Z", "gramsPerKwh": 300}""")]
    [InlineData("""{"region": 7, "at": "2026-11-21T10:00:00Z", "gramsPerKwh": 300}""")]
    [InlineData("""{"region": "DE", "at": "yesterday", "gramsPerKwh": 300}""")]
    [InlineData("""{"region": "DE", "at": 1763719200, "gramsPerKwh": 300}""")]
    [InlineData("""{"region": "DE", "at": "2026-11-21T10:00:00Z", "gramsPerKwh": "300"}""")]
    [InlineData("""{"region": "DE", "at": "2026-11-21T10:00:00Z", "gramsPerKwh": -1}""")]
    [InlineData("""["DE", "2026-11-21T10:00:00Z", 300]""")]
    public void Load_JsonWithMalformedItem_ThrowsNamingTheItem(string badItem)
    {
        var file = _folder.Write("grid.json", $$"""[{"region": "DE", "at": "2026-11-21T09:00:00Z", "gramsPerKwh": 1}, {{badItem}}]""");

        var e = Assert.Throws<FormatException>(() => TimeSeriesCarbonIntensitySource.Load(file, _fallback));

        Assert.StartsWith("item 1:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_JsonWithSyntaxError_ThrowsNamingTheLine()
    {
        var file = _folder.Write("grid.json", "[\n  {\"region\": \"DE\",\n    \"at\" \"2026-11-21T09:00:00Z\"}\n]");

        var e = Assert.Throws<FormatException>(() => TimeSeriesCarbonIntensitySource.Load(file, _fallback));

        Assert.StartsWith("line 3:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_JsonWhoseRootIsNotAnArray_Throws()
    {
        var file = _folder.Write("grid.json", """{"region": "DE", "at": "2026-11-21T09:00:00Z", "gramsPerKwh": 1}""");

        var e = Assert.Throws<FormatException>(() => TimeSeriesCarbonIntensitySource.Load(file, _fallback));

        Assert.Contains("JSON array", e.Message, StringComparison.Ordinal);
    }

    private TimeSeriesCarbonIntensitySource Load(string format) =>
        TimeSeriesCarbonIntensitySource.Load(_folder.Write($"grid.{format}", format == "csv" ? Csv : Json), _fallback);

    private static DateTimeOffset Utc(int hour, int minute, int second) => new(2026, 11, 21, hour, minute, second, TimeSpan.Zero);
}
