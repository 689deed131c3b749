using System.Runtime.CompilerServices;
using System.Text;
using GreenGateway.Inference.Generation;

namespace GreenGateway.ModelHost.Serving;

/// <summary>
/// OpenAI's stop strings over a stream of tokens: the text ends right before the first stop string, which is not
/// returned, with finish_reason "stop"; the generation behind is ended (its enumerator disposed). So that a streamed
/// answer never shows the start of a stop string that later completes, each token's text is held back by up to the
/// longest stop string's length less one, and released with the next token (or the last).
/// </summary>
internal static class StopStrings
{
    public static async IAsyncEnumerable<GeneratedToken> Apply(IAsyncEnumerable<GeneratedToken> tokens, IReadOnlyList<string> stops,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var hold = stops.Max(static s => s.Length) - 1;
        var pending = new StringBuilder();
        await foreach (var t in tokens.WithCancellation(ct).ConfigureAwait(false))
        {
            pending.Append(t.Text);
            var text = pending.ToString();
            var at = First(text, stops);
            if (at >= 0)
            {
                yield return t with { Text = text[..at], FinishReason = FinishReason.Stop };
                yield break;
            }

            if (t.FinishReason is not null)
            {
                yield return t with { Text = text };
                yield break;
            }

            var release = Math.Max(0, text.Length - hold);
            if (release > 0 && char.IsHighSurrogate(text[release - 1]))
            {
                release--; // never split a surrogate pair
            }

            pending.Remove(0, release);
            yield return t with { Text = text[..release] };
        }

        if (pending.Length > 0)
        {
            // The generation ended without a last token (cancelled): nothing more to release.
            pending.Clear();
        }
    }

    /// <summary>Index of the earliest occurrence of any stop string, or -1.</summary>
    public static int First(string text, IReadOnlyList<string> stops)
    {
        var best = -1;
        foreach (var s in stops)
        {
            var i = text.IndexOf(s, StringComparison.Ordinal);
            if (i >= 0 && (best < 0 || i < best))
            {
                best = i;
            }
        }

        return best;
    }
}
