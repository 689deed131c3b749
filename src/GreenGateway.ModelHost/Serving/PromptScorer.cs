namespace GreenGateway.ModelHost.Serving;

/// <summary>What scoring a prompt computed.</summary>
/// <param name="Scores">Per prompt position: null for the first token, else its score.</param>
/// <param name="NextLogprobs">Log-softmax after the whole prompt (the distribution of the next token).</param>
/// <param name="ReusedTokens">Prompt positions taken from the cache instead of computed.</param>
internal sealed record ScoredPrompt(IReadOnlyList<PositionScore?> Scores, float[] NextLogprobs, int ReusedTokens);

/// <summary>
/// Prompt log-probabilities (vLLM's prompt_logprobs) computed in a <see cref="CacheSlot"/>: positions whose scores
/// the slot already holds are reused, and the log-probabilities after its last token are kept, so scoring a
/// prompt that extends a scored one by k tokens runs a forward pass over those k tokens only.
/// </summary>
internal static class PromptScorer
{
    private const int Chunk = 64;

    public static ScoredPrompt Score(ModelSession session, CacheSlot slot, int[] prompt, CancellationToken ct)
    {
        var cache = slot.Lease.Cache;
        var vocab = session.VocabSize;
        // Positions whose keys, values and scores the slot holds (position 0 needs no score).
        var keep = Math.Min(cache.CommonPrefixLength(prompt), Math.Max(slot.Scores.Count, 1));
        var nextRowKnown = keep > 0 && keep == cache.Length && slot.NextLogprobsLength == keep;
        // Without the row after position keep - 1, that position is run again (its score is kept).
        var from = nextRowKnown ? keep : Math.Max(keep - 1, 0);
        cache.Truncate(from);
        slot.KeepScores(keep);
        if (slot.Scores.Count == 0)
        {
            slot.Scores.Add(null);
        }

        var row = nextRowKnown ? slot.NextLogprobs! : new float[vocab];
        var logits = new float[Math.Min(Chunk, Math.Max(prompt.Length - from, 1)) * vocab];
        for (var start = from; start < prompt.Length; start += Chunk)
        {
            ct.ThrowIfCancellationRequested();
            var count = Math.Min(Chunk, prompt.Length - start);
            session.Model.Forward(cache, prompt.AsSpan(start, count), logits.AsSpan(0, count * vocab), allPositions: true);
            for (var i = 0; i < count; i++)
            {
                var position = start + i;
                if (position >= keep && position > 0)
                {
                    // row is the distribution after position - 1, which scores this position's token.
                    var token = prompt[position];
                    slot.Scores.Add(new PositionScore(token, row[token], LogprobMath.Rank(row, token), LogprobMath.Top(row, LogprobMath.MaxTop)));
                }

                if (ReferenceEquals(row, slot.NextLogprobs))
                {
                    row = new float[vocab]; // the kept row may be handed out in an earlier result
                }

                LogprobMath.LogSoftmax(logits.AsSpan(i * vocab, vocab), row);
            }
        }

        slot.NextLogprobs = row;
        slot.NextLogprobsLength = cache.Length;
        return new ScoredPrompt([.. slot.Scores.GetRange(0, prompt.Length)], row, from);
    }
}
