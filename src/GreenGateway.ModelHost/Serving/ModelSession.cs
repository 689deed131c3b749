using GreenGateway.Inference.Cuda.Backend;
using GreenGateway.Inference.Cuda.Energy;
using GreenGateway.Inference.Cuda.Model;
using GreenGateway.Inference.Generation;
using GreenGateway.Inference.Kernels;
using GreenGateway.Inference.Models;
using GreenGateway.Inference.Tokenization;
using GreenGateway.ModelHost.Configuration;
using Microsoft.Extensions.Logging;

namespace GreenGateway.ModelHost.Serving;

/// <summary>The one model this server serves: weights, tokenizer, chat template, engine and its warm KV caches.</summary>
internal sealed class ModelSession : IDisposable
{
    public ModelSession(ModelHostOptions options, ILogger? logger = null)
    {
        var path = Path.GetFullPath(options.Model);
        var isGguf = File.Exists(path);
        var int8 = options.Weights == "int8";
        Model = InferenceBackend.Create(path, options.Backend, new LoadOptions
        {
            Threads = options.Threads,
            Weights = int8 ? WeightFormat.Int8 : WeightFormat.F32,
        }, logger, new CudaOptions
        {
            Weights = int8 ? CudaWeightFormat.Int8 : CudaWeightFormat.F16,
            MaxContextTokens = options.MaxContextTokens,
        });
        Tokenizer = isGguf ? Tokenizer.FromGguf(path) : Tokenizer.FromFile(Path.Combine(path, "tokenizer.json"));
        // The chat template is rendered from its Jinja source (tokenizer_config.json's chat_template, or a GGUF's
        // tokenizer.chat_template). A checkpoint without one (a base model), or with one that does not parse, still
        // serves /v1/completions; /v1/chat/completions then answers 400 saying why. A GGUF without a template is
        // taken to be ChatML, the common case.
        try
        {
            Chat = isGguf ? ChatTemplate.FromGguf(path, whenMissing: ChatFormat.ChatMl)
                : File.Exists(Path.Combine(path, "tokenizer_config.json")) ? ChatTemplate.FromModelDirectory(path)
                : throw new NotSupportedException($"'{path}' has no tokenizer_config.json, so no chat template");
        }
        catch (NotSupportedException e)
        {
            ChatUnavailableReason = e.Message.TrimEnd('.');
        }

        ToolCalls.TryParseSetting(options.ToolCallParser, out var toolFormat);
        ToolCallFormat = toolFormat ?? ToolCalls.Detect(Chat?.Source);
        Engine = new InferenceEngine(Model, Tokenizer, new EngineOptions
        {
            MaxKvCacheBytes = options.MaxKvCacheBytes,
            // On CUDA the context may be less than the model's own (attention's shared memory): the engine's follows it.
            MaxContextTokens = options.MaxContextTokens ?? (Model as CudaModel)?.MaxContextTokens,
        }, ownsModel: true);
        ModelId = options.ServedModelName ?? Path.GetFileNameWithoutExtension(path.TrimEnd(Path.DirectorySeparatorChar));
        Caches = new PrefixCachePool(Engine, options.PrefixCacheSlots);
        Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    /// <summary>The model on the configured backend (CPU engine or CUDA).</summary>
    public IModelBackend Model { get; }

    /// <summary>NVML energy of the GPU the model runs on, or null on the CPU.</summary>
    public GpuEnergy? GpuEnergy => (Model as CudaModel)?.Energy;

    public Tokenizer Tokenizer { get; }

    /// <summary>The chat template, or null for a model without one it can render (see <see cref="ChatUnavailableReason"/>).</summary>
    public ChatTemplate? Chat { get; }

    /// <summary>How tool calls are read out of chat answers to requests that offer tools (ModelHost:ToolCallParser).</summary>
    public ToolCallFormat ToolCallFormat { get; }

    /// <summary>Why <see cref="Chat"/> is null, or null.</summary>
    public string? ChatUnavailableReason { get; }

    /// <summary>The 400 a chat request gets from a model without a chat template.</summary>
    public string NoChatMessage =>
        $"model '{ModelId}' has no chat template this server can render ({ChatUnavailableReason}): it is served as a base model; use /v1/completions with a plain prompt.";

    public InferenceEngine Engine { get; }

    public PrefixCachePool Caches { get; }

    public string ModelId { get; }

    public long Created { get; }

    public int VocabSize => Model.Config.VocabSize;

    public int MaxContextTokens => Engine.MaxContextTokens;

    public void Dispose()
    {
        Caches.Dispose();
        Engine.Dispose();
    }
}
