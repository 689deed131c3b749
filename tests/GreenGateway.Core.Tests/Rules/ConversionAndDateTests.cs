namespace GreenGateway.Core.Rules.Tests;

public sealed class UnitConversionAnswererTests
{
    private static string? Answer(string question) =>
        new UnitConversionAnswerer().TryAnswer(new RuleContext(question, TimeZoneInfo.Utc, DateTimeOffset.UnixEpoch))?.Text;

    [Theory]
    [InlineData("convert 5 km to miles", "5 km ≈ 3.10686 mi")]
    [InlineData("How many feet are there in 3 meters?", "3 m ≈ 9.84252 ft")]
    [InlineData("100 F in C", "100 °F ≈ 37.7778 °C")]
    [InlineData("0 celsius to kelvin", "0 °C = 273.15 K")]
    [InlineData("what is 212 °F in celsius?", "212 °F = 100 °C")]
    [InlineData("1 kWh in joules", "1 kWh = 3600000 J")]
    [InlineData("1 lb to kg", "1 lb ≈ 0.453592 kg")]
    [InlineData("2 GiB in MiB", "2 GiB = 2048 MiB")]
    [InlineData("how many minutes in 2 hours", "2 h = 120 min")]
    public void Conversion_UsesExactDefinitions(string question, string expected) => Assert.Equal(expected, Answer(question));

    [Theory]
    [InlineData("convert 5 km to kg")]
    [InlineData("5 parsecs to km")]
    [InlineData("convert km to miles")]
    [InlineData("5 km to km")]
    [InlineData("tell me about 5 km runs in miles of trails")]
    public void UnknownOrIncompatibleUnits_Decline(string question) => Assert.Null(Answer(question));
}

public sealed class DateTimeAnswererTests
{
    // 23:30 in Berlin, still the 21st in UTC: the tenant's zone decides the date.
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 22, 30, 0, TimeSpan.Zero);

    private static string? Answer(string question, string zone = "Europe/Berlin") =>
        new DateTimeAnswerer().TryAnswer(new RuleContext(question, TimeZoneInfo.FindSystemTimeZoneById(zone), Now))?.Text;

    [Fact]
    public void TimeAndDate_AreGivenInTheTenantsTimeZone()
    {
        Assert.Equal("It is 23:30 (Europe/Berlin).", Answer("What time is it?"));
        Assert.Equal("It is 17:30 (America/New_York).", Answer("what's the time", "America/New_York"));
        Assert.Equal("Today is Saturday, 21 November 2026 (Europe/Berlin).", Answer("What is today's date?"));
        Assert.Equal("Today is Sunday, 22 November 2026 (Asia/Tokyo).", Answer("what day is it today", "Asia/Tokyo"));
    }

    [Fact]
    public void WeekdayOfAnIsoDate_IsExact()
    {
        Assert.Equal("2026-12-25 is a Friday.", Answer("What day of the week is 2026-12-25?"));
        Assert.Equal("2000-02-29 is a Tuesday.", Answer("what day was 2000-02-29"));
    }

    [Theory]
    [InlineData("what day is next tuesday?")]
    [InlineData("What day of the week is 2026-02-30?")]
    [InlineData("what time is it in Tokyo?")]
    public void VagueOrInvalid_Declines(string question) => Assert.Null(Answer(question));
}

public sealed class GreetingAnswererTests
{
    private static string? Answer(string question) =>
        new GreetingAnswerer().TryAnswer(new RuleContext(question, TimeZoneInfo.Utc, DateTimeOffset.UnixEpoch))?.Text;

    [Theory]
    [InlineData("Hello!", "Hello! How can I help you?")]
    [InlineData("good morning", "Hello! How can I help you?")]
    [InlineData("thanks a lot!", "You're welcome!")]
    public void PureGreeting_GetsACourteousReply(string question, string expected) => Assert.Equal(expected, Answer(question));

    [Theory]
    [InlineData("hello, can you explain LINQ?")]
    [InlineData("thanks, but what about arrays?")]
    public void GreetingWithAQuestion_Declines(string question) => Assert.Null(Answer(question));
}
