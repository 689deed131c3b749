using System.Net;
using GreenGateway.ModelHost.Serving;
using GreenGateway.ModelHost.Tests.Support;

namespace GreenGateway.ModelHost.Tests.Api;

/// <summary>Stop strings: the answer ends before the first of them, without it, finish_reason "stop".</summary>
public sealed class StopStringTests(DraftServerFixture fixture) : IClassFixture<DraftServerFixture>
{
    [Fact]
    public async Task Completion_ends_before_the_first_stop_string()
    {
        var server = fixture.Server;
        var (_, full) = await server.PostAsync("/v1/completions", new { prompt = "Once upon a time", max_tokens = 24, temperature = 0, ignore_eos = true });
        var text = full["choices"]![0]!["text"]!.GetValue<string>();
        Assert.True(text.Length > 12, text);
        var stop = text.Substring(8, 3);
        var expected = text[..text.IndexOf(stop, StringComparison.Ordinal)];

        var (response, cut) = await server.PostAsync("/v1/completions",
            new { prompt = "Once upon a time", max_tokens = 24, temperature = 0, ignore_eos = true, stop = new[] { "never appears here", stop } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, cut["choices"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("stop", cut["choices"]![0]!["finish_reason"]!.GetValue<string>());

        var (bad, error) = await server.PostAsync("/v1/completions", new { prompt = "x", stop = 5 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("stop", error["error"]!["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task Streamed_pieces_never_show_a_stop_string_and_join_to_the_cut_text()
    {
        async IAsyncEnumerable<Inference.Generation.GeneratedToken> Tokens()
        {
            foreach (var piece in new[] { "Hel", "lo, wo", "rld", "! END", "ing more" })
            {
                await Task.Yield();
                yield return new Inference.Generation.GeneratedToken(1, piece, 0, [], null);
            }
        }

        var pieces = new List<string>();
        Inference.Generation.FinishReason? finish = null;
        await foreach (var t in StopStrings.Apply(Tokens(), ["END", "world!"], TestContext.Current.CancellationToken))
        {
            pieces.Add(t.Text);
            finish = t.FinishReason;
        }

        Assert.Equal("Hello, ", string.Concat(pieces));
        Assert.Equal(Inference.Generation.FinishReason.Stop, finish);
        Assert.DoesNotContain(pieces, p => p.Contains('w', StringComparison.Ordinal));
    }
}
