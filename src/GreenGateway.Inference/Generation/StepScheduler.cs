using System.Diagnostics;
using System.Threading.Channels;
using GreenGateway.Inference.Models;

namespace GreenGateway.Inference.Generation;

/// <summary>A forward pass asked for by a generation: a prefill (several tokens) or one decode token.</summary>
internal sealed class StepRequest(KvCache cache, int[] tokens, int start, int count, float[] logits, bool allPositions, CancellationToken ct,
    int[]? next = null)
{
    /// <summary>Where a greedy decode step on the device writes the next token (argmax), instead of logits; null for logits.</summary>
    public int[]? Next { get; } = next;

    public KvCache Cache { get; } = cache;

    public ReadOnlySpan<int> Tokens => tokens.AsSpan(start, count);

    public float[] Logits { get; } = logits;

    public bool AllPositions { get; } = allPositions;

    public bool IsDecode => count == 1;

    public CancellationToken Cancellation { get; } = ct;

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// Runs every forward pass of an engine on one thread. Decode steps waiting together are run as one batch
/// (<see cref="TransformerModel.ForwardBatch"/>): the weights are read once for all sequences, so concurrent
/// generations cost little more than one while decode is bound by memory bandwidth. Prefills run alone.
/// </summary>
internal sealed class StepScheduler : IDisposable
{
    /// <summary>How long a batch waits for the other active sequences' next steps before running without them.</summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMicroseconds(200);

    private readonly IModelBackend _model;
    private readonly int _maxBatch;
    private readonly Channel<StepRequest> _requests = Channel.CreateUnbounded<StepRequest>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread _thread;
    private readonly List<StepRequest> _batch = [];
    private readonly List<KvCache> _caches = [];
    private int[] _tokens = [];
    private int[] _next = [];
    private float[] _logits = [];
    private int _activeDecoders;

    public StepScheduler(IModelBackend model, int maxBatch)
    {
        _model = model;
        _maxBatch = maxBatch;
        _thread = new Thread(Loop) { IsBackground = true, Name = "GreenGateway.Inference scheduler" };
        _thread.Start();
    }

    /// <summary>Largest decode batch run so far (diagnostics).</summary>
    public int LargestBatch { get; private set; }

    public Task RunAsync(StepRequest request)
    {
        if (!_requests.Writer.TryWrite(request))
        {
            throw new ObjectDisposedException(nameof(InferenceEngine));
        }

        return request.Completion.Task;
    }

    /// <summary>Counts the sequences in their decode phase, so a batch knows how many steps to wait for.</summary>
    public void DecoderStarted() => Interlocked.Increment(ref _activeDecoders);

    public void DecoderEnded() => Interlocked.Decrement(ref _activeDecoders);

    public void Dispose()
    {
        _requests.Writer.TryComplete();
        _thread.Join();
    }

    private void Loop()
    {
        var reader = _requests.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            _batch.Clear();
            var waited = Stopwatch.StartNew();
            while (_batch.Count < _maxBatch)
            {
                if (reader.TryRead(out var request))
                {
                    if (request.Cancellation.IsCancellationRequested)
                    {
                        request.Completion.TrySetCanceled(request.Cancellation);
                    }
                    else if (request.IsDecode && !request.AllPositions)
                    {
                        _batch.Add(request);
                    }
                    else
                    {
                        RunAlone(request);
                    }

                    continue;
                }

                if (_batch.Count == 0 || _batch.Count >= Volatile.Read(ref _activeDecoders) || waited.Elapsed > Linger)
                {
                    break;
                }

                Thread.SpinWait(20);
            }

            if (_batch.Count == 1)
            {
                RunAlone(_batch[0]);
            }
            else if (_batch.Count > 1)
            {
                RunBatch();
            }
        }
    }

    private void RunAlone(StepRequest request)
    {
        try
        {
            if (request.Next is not null && _model is IGreedyDecoding greedy)
            {
                greedy.ForwardGreedy(request.Cache, request.Tokens, request.Next);
            }
            else
            {
                _model.Forward(request.Cache, request.Tokens, request.Logits, request.AllPositions);
            }

            request.Completion.TrySetResult();
        }
        catch (Exception e)
        {
            request.Completion.TrySetException(e);
        }
    }

    private void RunBatch()
    {
        var n = _batch.Count;
        var vocab = _model.Config.VocabSize;
        if (_tokens.Length < n)
        {
            _tokens = new int[n];
            _logits = new float[n * vocab];
        }

        _caches.Clear();
        for (var i = 0; i < n; i++)
        {
            _caches.Add(_batch[i].Cache);
            _tokens[i] = _batch[i].Tokens[0];
        }

        var onDevice = _model is IGreedyDecoding && _batch.TrueForAll(static r => r.Next is not null);
        try
        {
            if (onDevice)
            {
                if (_next.Length < n)
                {
                    _next = new int[n];
                }

                ((IGreedyDecoding)_model).DecodeGreedy(_caches, _tokens.AsSpan(0, n), _next);
            }
            else if (_batch.Exists(static r => r.Next is not null) && _model is IGreedyDecoding)
            {
                throw new InvalidOperationException("mixed batch");
            }
            else
            {
                _model.ForwardBatch(_caches, _tokens.AsSpan(0, n), _logits);
            }
        }
        catch (Exception)
        {
            // One bad step (a full cache) must not fail the others: run them alone, each getting its own outcome. A batch
            // that mixes greedy-on-device steps with logits steps (rare) runs alone too.
            foreach (var request in _batch)
            {
                RunAlone(request);
            }

            return;
        }

        LargestBatch = Math.Max(LargestBatch, n);
        for (var i = 0; i < n; i++)
        {
            if (onDevice)
            {
                _batch[i].Next![0] = _next[i];
            }
            else
            {
                _logits.AsSpan(i * vocab, vocab).CopyTo(_batch[i].Logits);
            }

            _batch[i].Completion.TrySetResult();
        }
    }
}
