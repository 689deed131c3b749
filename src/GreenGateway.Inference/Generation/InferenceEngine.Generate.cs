using System.Runtime.CompilerServices;

namespace GreenGateway.Inference.Generation;

public sealed partial class InferenceEngine
{
    /// <summary>Generates from <paramref name="prompt"/> in a KV cache of its own, streaming tokens as they come.</summary>
    public async IAsyncEnumerable<GeneratedToken> GenerateAsync(IReadOnlyList<int> prompt, SamplingOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options.Validate();
        using var lease = RentCache(prompt.Count + options.MaxTokens);
        await foreach (var token in GenerateAsync(lease, prompt, options, cancellationToken).ConfigureAwait(false))
        {
            yield return token;
        }
    }

    /// <summary>
    /// Generates from <paramref name="prompt"/> in <paramref name="lease"/>'s cache, reusing the keys and values of
    /// the longest prefix it already holds (a shared system prompt, or the turns of a conversation so far).
    /// </summary>
    public async IAsyncEnumerable<GeneratedToken> GenerateAsync(KvCacheLease lease, IReadOnlyList<int> prompt, SamplingOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (prompt.Count == 0)
        {
            throw new ArgumentException("the prompt needs at least one token.", nameof(prompt));
        }

        lease.Enter();
        try
        {
            await foreach (var token in GenerateInLeaseAsync(lease.Cache, prompt, options, cancellationToken).ConfigureAwait(false))
            {
                yield return token;
            }
        }
        finally
        {
            lease.Exit();
        }
    }

    private async IAsyncEnumerable<GeneratedToken> GenerateInLeaseAsync(Models.KvCache cache, IReadOnlyList<int> prompt, SamplingOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var tokens = prompt.ToArray();
        var reuse = Math.Min(cache.CommonPrefixLength(tokens), tokens.Length - 1);
        cache.Truncate(reuse);
        if (tokens.Length > cache.Capacity)
        {
            throw new ArgumentException($"the prompt has {tokens.Length} tokens; the cache holds {cache.Capacity}.", nameof(prompt));
        }

        var logits = new float[Model.Config.VocabSize];
        // Long prompts go in chunks, so that activation buffers stay bounded; only the last chunk's logits are kept.
        for (var start = reuse; start < tokens.Length; start += _options.PrefillChunk)
        {
            var count = Math.Min(_options.PrefillChunk, tokens.Length - start);
            await ForwardAsync(cache, tokens, start, count, logits, false, cancellationToken).ConfigureAwait(false);
        }

        _scheduler.DecoderStarted();
        try
        {
            await foreach (var token in DecodeAsync(cache, logits, options, cancellationToken).ConfigureAwait(false))
            {
                yield return token;
            }
        }
        finally
        {
            _scheduler.DecoderEnded();
        }
    }

    private async IAsyncEnumerable<GeneratedToken> DecodeAsync(Models.KvCache cache, float[] logits, SamplingOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var sampler = new Sampler(options, Model.Config.VocabSize);
        var decoder = Tokenizer.CreateStreamingDecoder(skipSpecialTokens: true);
        var step = new int[1];
        // Greedy without log-probabilities on a GPU backend: each decode step's argmax is taken on the device and only the
        // token id comes back (the first token still comes from the prefill's logits).
        var next = options.GreedyOnDevice && Model is Models.IGreedyDecoding ? new int[1] : null;
        var fromDevice = false;
        for (var produced = 1; ; produced++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            float logprob = 0;
            TokenLogprob[] top = [];
            var id = fromDevice ? next![0] : sampler.Sample(logits, out logprob, out top);
            FinishReason? finish = IsStop(id, options) ? FinishReason.Stop
                : produced >= options.MaxTokens || cache.Length >= cache.Capacity ? FinishReason.Length : null;
            var text = decoder.Append(id);
            if (finish is not null)
            {
                yield return new GeneratedToken(id, text + decoder.Flush(), logprob, top, finish);
                yield break;
            }

            yield return new GeneratedToken(id, text, logprob, top, null);
            step[0] = id;
            if (next is not null)
            {
                await _scheduler.RunAsync(new StepRequest(cache, step, 0, 1, logits, false, cancellationToken, next)).ConfigureAwait(false);
                fromDevice = true;
            }
            else
            {
                await ForwardAsync(cache, step, 0, 1, logits, false, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Log-probability of every prompt token given those before it ("prompt_logprobs"), from prefill passes of
    /// <see cref="EngineOptions.PromptScoringChunk"/> positions, so logits for the whole prompt are never held at once.
    /// </summary>
    public async Task<IReadOnlyList<PromptTokenScore>> ScorePromptAsync(IReadOnlyList<int> prompt, int topLogprobs = 0,
        CancellationToken cancellationToken = default)
    {
        using var lease = RentCache(prompt.Count);
        return await ScorePromptAsync(lease, prompt, topLogprobs, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Scores the prompt in <paramref name="lease"/>'s cache and leaves the whole prompt there, so that a following
    /// <see cref="GenerateAsync(KvCacheLease, IReadOnlyList{int}, SamplingOptions, CancellationToken)"/> with the same
    /// prompt reuses it: prompt log-probabilities and a generation from one prefill.
    /// </summary>
    public async Task<IReadOnlyList<PromptTokenScore>> ScorePromptAsync(KvCacheLease lease, IReadOnlyList<int> prompt, int topLogprobs = 0,
        CancellationToken cancellationToken = default)
    {
        if (prompt.Count == 0)
        {
            throw new ArgumentException("the prompt needs at least one token.", nameof(prompt));
        }

        lease.Enter();
        try
        {
            lease.Cache.Truncate(0);
            var tokens = prompt.ToArray();
            var vocab = Model.Config.VocabSize;
            var chunk = _options.PromptScoringChunk;
            var logits = new float[chunk * vocab];
            var logprobs = new float[vocab];
            var scratch = new int[vocab];
            var scores = new List<PromptTokenScore>(tokens.Length) { new(tokens[0], null, []) };
            for (var start = 0; start < tokens.Length; start += chunk)
            {
                var count = Math.Min(chunk, tokens.Length - start);
                await ForwardAsync(lease.Cache, tokens, start, count, logits, true, cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < count && start + i + 1 < tokens.Length; i++)
                {
                    Kernels.VectorOps.LogSoftmax(logits.AsSpan(i * vocab, vocab), logprobs);
                    var next = tokens[start + i + 1];
                    scores.Add(new PromptTokenScore(next, logprobs[next], Sampler.TopLogprobs(logprobs, topLogprobs, scratch)));
                }
            }

            return scores;
        }
        finally
        {
            lease.Exit();
        }
    }

    private bool IsStop(int id, SamplingOptions options) =>
        (!options.IgnoreEos && Holds(Model.Config.EosTokenIds, id)) || Holds(options.StopTokenIds, id);

    private static bool Holds(IReadOnlyList<int> ids, int id)
    {
        for (var i = 0; i < ids.Count; i++)
        {
            if (ids[i] == id)
            {
                return true;
            }
        }

        return false;
    }
}
