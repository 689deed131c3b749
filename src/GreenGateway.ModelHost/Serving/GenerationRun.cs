using System.Runtime.CompilerServices;
using GreenGateway.Inference.Generation;
using GreenGateway.ModelHost.Api;

namespace GreenGateway.ModelHost.Serving;

/// <summary>
/// One request's work in a warm cache slot: the prompt's scores when asked for (or when one greedy token is all
/// that is wanted: verification), then the tokens, from the scores' next-token row or from the engine.
/// </summary>
internal sealed class GenerationRun : IDisposable
{
    private readonly ModelSession _session;
    private readonly GenerationRequest _request;
    private readonly CacheSlot _slot;

    private GenerationRun(ModelSession session, GenerationRequest request, int[] prompt, int maxTokens, CacheSlot slot)
    {
        _session = session;
        _request = request;
        Prompt = prompt;
        MaxTokens = maxTokens;
        _slot = slot;
    }

    public int[] Prompt { get; }

    public int MaxTokens { get; }

    /// <summary>The prompt's scores, when they were computed.</summary>
    public ScoredPrompt? Scored { get; private set; }

    /// <summary>Prompt tokens whose keys and values came from the cache rather than a forward pass.</summary>
    public int CachedTokens { get; private set; }

    public static async Task<GenerationRun> StartAsync(ModelSession session, GenerationRequest request, int[] prompt, int maxTokens, CancellationToken ct)
    {
        var run = new GenerationRun(session, request, prompt, maxTokens, session.Caches.Acquire(prompt));
        var greedyVerify = maxTokens <= 1 && request.Temperature == 0;
        if (request.PromptLogprobs is not null || (request.Echo && request.Logprobs is not null) || maxTokens == 0 || greedyVerify)
        {
            // Forward passes are synchronous (the model serializes them); keep them off the request's thread.
            run.Scored = await Task.Run(() => PromptScorer.Score(session, run._slot, prompt, ct), ct);
            run.CachedTokens = run.Scored.ReusedTokens;
        }
        else
        {
            run.CachedTokens = Math.Min(run._slot.Lease.Cache.CommonPrefixLength(prompt), prompt.Length - 1);
        }

        return run;
    }

    public IAsyncEnumerable<GeneratedToken> TokensAsync(CancellationToken ct) =>
        _request.Stop.Count == 0 ? RawTokensAsync(ct) : StopStrings.Apply(RawTokensAsync(ct), _request.Stop, ct);

    private async IAsyncEnumerable<GeneratedToken> RawTokensAsync([EnumeratorCancellation] CancellationToken ct)
    {
        if (MaxTokens == 0)
        {
            yield break;
        }

        if (Scored is not null && MaxTokens == 1 && _request.Temperature == 0)
        {
            yield return FromRow(Scored.NextLogprobs);
            yield break;
        }

        var options = new SamplingOptions
        {
            Temperature = _request.Temperature,
            TopP = _request.TopP,
            TopK = _request.TopK,
            Seed = _request.Seed,
            MaxTokens = MaxTokens,
            TopLogprobs = _request.Logprobs ?? 0,
            IgnoreEos = _request.IgnoreEos,
        };
        // The engine keeps the common prefix (less the last prompt token) and rewrites the rest.
        _slot.KeepScores(Math.Min(_slot.Lease.Cache.CommonPrefixLength(Prompt), Prompt.Length));
        _slot.NextLogprobsLength = -1;
        await foreach (var token in _session.Engine.GenerateAsync(_slot.Lease, Prompt, options, ct).ConfigureAwait(false))
        {
            yield return token;
        }
    }

    private GeneratedToken FromRow(float[] row)
    {
        var id = LogprobMath.ArgMax(row);
        var top = LogprobMath.Top(row, _request.Logprobs ?? 0);
        var alternatives = new TokenLogprob[top.Length];
        for (var i = 0; i < top.Length; i++)
        {
            alternatives[i] = new TokenLogprob(top[i].TokenId, top[i].Logprob);
        }

        var eos = !_request.IgnoreEos && _session.Model.Config.EosTokenIds.Contains(id);
        var text = _session.Tokenizer.IsSpecial(id) ? "" : _session.Tokenizer.Decode([id]);
        return new GeneratedToken(id, text, row[id], alternatives, eos ? FinishReason.Stop : FinishReason.Length);
    }

    public void Dispose() => _slot.Dispose();
}
