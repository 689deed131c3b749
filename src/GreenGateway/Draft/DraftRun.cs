using System.Numerics.Tensors;
using GreenGateway.Accounting;
using GreenGateway.Core.Cascade;
using GreenGateway.Inference.Generation;

namespace GreenGateway.Draft;

/// <summary>
/// One request's draft generation: the prompt in the draft's KV cache, the tokens already final
/// (<see cref="Output"/>), and the tokens proposed but not yet verified (<see cref="Pending"/>). The draft tier
/// generates into <see cref="Pending"/> and, when it is not confident enough, hands the run to the speculative
/// tier, whose first round verifies those tokens: nothing the draft computed is thrown away unverified.
/// Every call is synchronous and its thread CPU time is added to <see cref="CpuSeconds"/>. Not thread-safe.
/// </summary>
internal sealed class DraftRun : IDisposable, IAsyncDisposable
{
    private readonly DraftModel.Loaded _draft;
    private readonly KvCacheLease _lease;
    private readonly float[] _logits;
    private readonly float[] _probs;
    private readonly List<float[]> _pendingProbs = [];
    private Inference.Cuda.Energy.EnergyShare? _gpuShare;
    private double? _gpuJoules;
    private int _disposed;

    private DraftRun(DraftModel.Loaded draft, KvCacheLease lease, int[] prompt)
    {
        _draft = draft;
        _lease = lease;
        Prompt = prompt;
        _logits = new float[draft.Engine.Model.Config.VocabSize];
        _probs = new float[draft.Engine.Model.Config.VocabSize];
    }

    public int[] Prompt { get; }

    /// <summary>Tokens of the answer that are final (verified, or the draft's own answer).</summary>
    public List<int> Output { get; } = [];

    /// <summary>Tokens the draft proposed after <see cref="Output"/>, not yet verified.</summary>
    public List<int> Pending { get; } = [];

    /// <summary>The draft's confidence over the tokens it generated since the last <see cref="ResetConfidence"/>.</summary>
    public DraftConfidence Confidence { get; private set; } = new();

    /// <summary>CPU seconds the draft's work took on the threads that ran it.</summary>
    public double CpuSeconds { get; private set; }

    public DraftModel.Loaded Draft => _draft;

    /// <summary>Positions left in the cache for proposals.</summary>
    public int Room => _lease.Cache.Capacity - _lease.Cache.Length;

    /// <summary>
    /// Prefills <paramref name="prompt"/> into a new cache with room for <paramref name="room"/> more tokens; null when
    /// the prompt does not fit the draft's context or its KV memory budget is spent.
    /// </summary>
    public static DraftRun? Start(DraftModel.Loaded draft, int[] prompt, int room)
    {
        var capacity = prompt.Length + room + 1;
        if (prompt.Length == 0 || prompt.Length + 1 > draft.Engine.MaxContextTokens)
        {
            return null;
        }

        KvCacheLease lease;
        try
        {
            lease = draft.Engine.RentCache(Math.Min(capacity, draft.Engine.MaxContextTokens));
        }
        catch (KvCacheBudgetExceededException)
        {
            return null;
        }

        var run = new DraftRun(draft, lease, prompt) { _gpuShare = draft.Gpu?.Begin() };
        var started = ThreadCpuClock.Now();
        draft.Engine.Model.Forward(lease.Cache, prompt, run._logits);
        run.CpuSeconds += ThreadCpuClock.Now() - started;
        return run;
    }

    /// <summary>
    /// Proposes the next token after everything fed so far (greedy at temperature 0, else sampled), feeds it to the
    /// draft, and records its probability and the distribution's entropy. Returns the token.
    /// </summary>
    /// <param name="keepDistribution">Keep the draft's distribution for the sampling acceptance rule.</param>
    public int ProposeNext(double temperature, Random? random, bool keepDistribution)
    {
        var started = ThreadCpuClock.Now();
        var entropy = DraftConfidence.Softmax(_logits, _probs);
        int token;
        if (temperature > 0 && random is not null)
        {
            var tempered = Math.Abs(temperature - 1) < 1e-9 ? _probs : Tempered(temperature);
            token = Sample(tempered, random);
            if (keepDistribution)
            {
                _pendingProbs.Add((float[])tempered.Clone());
            }
        }
        else
        {
            token = TensorPrimitives.IndexOfMax(_probs);
            if (keepDistribution)
            {
                // A greedy proposal was drawn from a point mass: the acceptance rule must see that q, not the softmax.
                _pendingProbs.Add([]);
            }
        }

        Confidence.Add(_probs[token], entropy);
        Pending.Add(token);
        if (Room > 0)
        {
            _draft.Engine.Model.Forward(_lease.Cache, [token], _logits);
        }

        CpuSeconds += ThreadCpuClock.Now() - started;
        return token;
    }

    /// <summary>
    /// The distribution pending token <paramref name="index"/> was drawn from (kept by <see cref="ProposeNext"/>);
    /// empty for a greedy proposal (a point mass on the token).
    /// </summary>
    public ReadOnlySpan<float> PendingDistribution(int index) => index < _pendingProbs.Count ? _pendingProbs[index] : [];

    /// <summary>The draft's own answer is final: every pending token moves to <see cref="Output"/>.</summary>
    public void AcceptAll()
    {
        Output.AddRange(Pending);
        Pending.Clear();
        _pendingProbs.Clear();
    }

    /// <summary>
    /// After verification: the first <paramref name="accepted"/> pending tokens are final, the rest are dropped
    /// (and the cache cut back), and <paramref name="next"/> (the large model's token) is appended and fed, unless
    /// <paramref name="feed"/> is false (the answer ends with it).
    /// </summary>
    public void Commit(int accepted, int next, bool feed)
    {
        var started = ThreadCpuClock.Now();
        for (var i = 0; i < accepted; i++)
        {
            Output.Add(Pending[i]);
        }

        // The cache holds the prompt, the output so far and every pending token but (when it ran out of room) the last.
        _lease.Cache.Truncate(Math.Min(_lease.Cache.Length, Prompt.Length + Output.Count));
        Pending.Clear();
        _pendingProbs.Clear();
        Output.Add(next);
        if (feed && Room > 0)
        {
            _draft.Engine.Model.Forward(_lease.Cache, [next], _logits);
        }

        CpuSeconds += ThreadCpuClock.Now() - started;
    }

    /// <summary>Starts a new confidence tally (the speculative tier's rounds are not the draft answering alone).</summary>
    public void ResetConfidence() => Confidence = new DraftConfidence();

    /// <summary>
    /// The draft's energy for this request (IT, before PUE) and whether it was measured on the GPU: NVML's counter,
    /// shared fairly across concurrent requests, on the CUDA backend; else the thread CPU time times
    /// <paramref name="wattsPerCore"/>. The GPU share is read once, when first asked for.
    /// </summary>
    public (double Joules, bool Gpu) Energy(double wattsPerCore)
    {
        if (_gpuShare is { } share && _draft.Gpu is { } gpu)
        {
            _gpuJoules ??= gpu.End(share);
            return (_gpuJoules.Value, true);
        }

        return (CpuSeconds * wattsPerCore, false);
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Returns the KV cache (once; the cascade and an answer may both hold the run).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_gpuShare is { } share && _gpuJoules is null)
        {
            _draft.Gpu?.End(share);
        }

        _lease.Dispose();
    }

    private float[] Tempered(double temperature)
    {
        var tempered = new float[_logits.Length];
        DraftConfidence.Softmax(_logits, tempered, temperature);
        return tempered;
    }

    private static int Sample(ReadOnlySpan<float> probs, Random random)
    {
        var u = random.NextDouble();
        for (var i = 0; i < probs.Length; i++)
        {
            u -= probs[i];
            if (u < 0)
            {
                return i;
            }
        }

        return TensorPrimitives.IndexOfMax(probs);
    }
}
