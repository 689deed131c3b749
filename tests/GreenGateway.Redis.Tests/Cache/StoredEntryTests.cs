using System.Text;
using GreenGateway.Core.Cache;
using GreenGateway.Redis.Cache;

namespace GreenGateway.Redis.Tests.Cache;

/// <summary>The JSON an entry is kept as in its Redis hash.</summary>
public sealed class StoredEntryTests
{
    [Fact]
    public void EntryWrittenBeforeDraftProvenance_ReadsAsTheModelsOwnAnswer()
    {
        // An entry as earlier versions wrote it: no Draft property.
        const string json = """
            {"PromptHash":"abc","CreatedAt":"2026-11-21T00:00:00+00:00","ExpiresAt":"2026-11-22T00:00:00+00:00",
             "Answer":{"Model":"m","Content":"Hi","FinishReason":"stop","ResponseJson":"{}","PromptTokens":3,"CompletionTokens":1,"EnergyJoules":1.5,"CarbonGrams":0.01}}
            """;

        var entry = StoredEntry.FromJson(Encoding.UTF8.GetBytes(json))!;

        Assert.Equal("Hi", entry.Answer.Content);
        Assert.Null(entry.Answer.Draft);
    }

    [Fact]
    public void DraftProvenance_SurvivesTheRoundTrip()
    {
        var answer = new CachedAnswer("m", "Hi", "stop", "{}", 3, 1, 1.5, 0.01, new DraftProvenance(0.91, 0.3));
        var stored = new StoredEntry("abc", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), answer);

        Assert.Equal(stored, StoredEntry.FromJson(stored.ToJson()));
    }
}
