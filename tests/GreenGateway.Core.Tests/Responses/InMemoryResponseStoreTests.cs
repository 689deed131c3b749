using System.Text.Json.Nodes;
using GreenGateway.Core.Tests.Support;

namespace GreenGateway.Core.Responses.Tests;

public sealed class InMemoryResponseStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private static StoredResponse Response(string tenant, string id) => new(id, tenant, $$"""{"id":"{{id}}","object":"response","output":[]}""", "[]");

    [Fact]
    public async Task StoredResponse_IsFound_ByItsTenantOnly()
    {
        var store = new InMemoryResponseStore(new ResponseStoreOptions(), new FakeTimeProvider(Start));
        await store.SaveAsync(Response("alpha", "resp_1"), TestContext.Current.CancellationToken);

        Assert.Equal("resp_1", (await store.GetAsync("alpha", "resp_1", TestContext.Current.CancellationToken))!.Id);
        Assert.Null(await store.GetAsync("beta", "resp_1", TestContext.Current.CancellationToken));
        Assert.False(await store.DeleteAsync("beta", "resp_1", TestContext.Current.CancellationToken));
        Assert.True(await store.DeleteAsync("alpha", "resp_1", TestContext.Current.CancellationToken));
        Assert.Null(await store.GetAsync("alpha", "resp_1", TestContext.Current.CancellationToken));
        Assert.False(await store.DeleteAsync("alpha", "resp_1", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task StoredResponse_Expires_AfterItsTtl()
    {
        var clock = new FakeTimeProvider(Start);
        var store = new InMemoryResponseStore(new ResponseStoreOptions { Ttl = TimeSpan.FromHours(1) }, clock);
        await store.SaveAsync(Response("alpha", "resp_1"), TestContext.Current.CancellationToken);

        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.NotNull(await store.GetAsync("alpha", "resp_1", TestContext.Current.CancellationToken));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await store.GetAsync("alpha", "resp_1", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PastItsCapacity_TheOldestGoFirst()
    {
        var store = new InMemoryResponseStore(new ResponseStoreOptions { MaxInMemory = 3 }, new FakeTimeProvider(Start));
        for (var i = 0; i < 5; i++)
        {
            await store.SaveAsync(Response("alpha", $"resp_{i}"), TestContext.Current.CancellationToken);
        }

        Assert.Equal(3, store.Count);
        Assert.Null(await store.GetAsync("alpha", "resp_0", TestContext.Current.CancellationToken));
        Assert.Null(await store.GetAsync("alpha", "resp_1", TestContext.Current.CancellationToken));
        Assert.NotNull(await store.GetAsync("alpha", "resp_4", TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Conversation_IsTheInputThenTheOutputAClientMaySendAgain()
    {
        var stored = new StoredResponse("resp_1", "alpha",
            """
            {"id":"resp_1","output":[
              {"type":"reasoning","id":"rs_1","summary":[]},
              {"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi","annotations":[]}]},
              {"type":"function_call","id":"fc_1","status":"completed","call_id":"call_1","name":"f","arguments":"{}"}]}
            """,
            """[{"type":"message","role":"user","content":"Hello"}]""");

        var conversation = stored.Conversation();

        Assert.Equal(["message", "message", "function_call"], conversation.Select(i => i!["type"]!.GetValue<string>()));
        Assert.Equal("user", conversation[0]!["role"]!.GetValue<string>());
        Assert.Equal("Hi", conversation[1]!["content"]![0]!["text"]!.GetValue<string>());
        Assert.Null(conversation[1]!["id"]);
        Assert.Equal("call_1", conversation[2]!["call_id"]!.GetValue<string>());
        Assert.Null(conversation[2]!["id"]);
        Assert.IsType<JsonArray>(conversation);
    }
}
