using GreenGateway.Inference.Models;
using GreenGateway.Inference.Tokenization;

namespace GreenGateway.Inference.Generation;

/// <summary>
/// Runs many generations on one model, each with its own KV cache. Forward passes run one at a time on the
/// engine's scheduler thread (each uses all kernel threads); decode steps of concurrent generations are batched
/// into one pass. The memory of all caches together is bounded by <see cref="EngineOptions.MaxKvCacheBytes"/>.
/// </summary>
public sealed partial class InferenceEngine : IDisposable
{
    private readonly StepScheduler _scheduler;
    private readonly EngineOptions _options;
    private readonly bool _ownsModel;
    private long _kvBytesInUse;

    /// <param name="model">The model; disposed with the engine only if <paramref name="ownsModel"/>.</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="options">Limits; default <see cref="EngineOptions"/>.</param>
    /// <param name="ownsModel">Whether disposing the engine disposes the model.</param>
    public InferenceEngine(IModelBackend model, Tokenizer tokenizer, EngineOptions? options = null, bool ownsModel = false)
    {
        Model = model;
        _ownsModel = ownsModel;
        Tokenizer = tokenizer;
        _options = options ?? new EngineOptions();
        _options.Validate();
        _scheduler = new StepScheduler(model, _options.MaxBatchSize);
        if (tokenizer.VocabSize > model.Config.VocabSize)
        {
            throw new ArgumentException($"the tokenizer has {tokenizer.VocabSize} tokens, more than the model's {model.Config.VocabSize}.", nameof(tokenizer));
        }
    }

    /// <summary>The model backend (CPU <see cref="TransformerModel"/> or another <see cref="IModelBackend"/>).</summary>
    public IModelBackend Model { get; }

    public Tokenizer Tokenizer { get; }

    /// <summary>Bytes held by live KV caches.</summary>
    public long KvCacheBytesInUse => Interlocked.Read(ref _kvBytesInUse);

    /// <summary>Longest sequence a generation may reach.</summary>
    public int MaxContextTokens => _options.MaxContextTokens ?? Model.Config.MaxPositionEmbeddings;

    /// <summary>A KV cache of <paramref name="capacity"/> positions, or <see cref="KvCacheBudgetExceededException"/>.</summary>
    public KvCacheLease RentCache(int capacity)
    {
        capacity = Math.Clamp(capacity, 1, MaxContextTokens);
        var bytes = KvCache.BytesFor(Model.Config, capacity);
        while (true)
        {
            var inUse = Interlocked.Read(ref _kvBytesInUse);
            if (inUse + bytes > _options.MaxKvCacheBytes)
            {
                throw new KvCacheBudgetExceededException(bytes, inUse, _options.MaxKvCacheBytes);
            }

            if (Interlocked.CompareExchange(ref _kvBytesInUse, inUse + bytes, inUse) == inUse)
            {
                break;
            }
        }

        try
        {
            return new KvCacheLease(this, Model.CreateCache(capacity));
        }
        catch
        {
            Release(bytes);
            throw;
        }
    }

    public void Dispose()
    {
        _scheduler.Dispose();
        if (_ownsModel)
        {
            Model.Dispose();
        }
    }

    internal void Release(long bytes) => Interlocked.Add(ref _kvBytesInUse, -bytes);

    /// <summary>Largest number of sequences decoded in one forward pass so far.</summary>
    public int LargestDecodeBatch => _scheduler.LargestBatch;

    private Task ForwardAsync(KvCache cache, int[] tokens, int start, int count, float[] logits, bool allPositions, CancellationToken ct) =>
        _scheduler.RunAsync(new StepRequest(cache, tokens, start, count, logits, allPositions, ct));
}
