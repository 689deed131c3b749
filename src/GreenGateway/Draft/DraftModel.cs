using GreenGateway.Configuration;
using GreenGateway.Inference.Cuda.Backend;
using GreenGateway.Inference.Cuda.Energy;
using GreenGateway.Inference.Cuda.Model;
using GreenGateway.Inference.Cuda.Runtime;
using GreenGateway.Inference.Generation;
using GreenGateway.Inference.Models;
using GreenGateway.Inference.Tokenization;

namespace GreenGateway.Draft;

/// <summary>
/// The draft model (T2, and the proposer of T3), loaded once, on first use, into the gateway's process. It
/// stands in for the models of <see cref="DraftSettings.ServesModels"/>, whose upstream shares its tokenizer.
/// </summary>
internal sealed partial class DraftModel : IDisposable
{
    private readonly DraftSettings _settings;
    private readonly Lazy<Loaded?> _loaded;
    private readonly ILogger<DraftModel> _logger;

    public DraftModel(CascadeSettings settings, ILogger<DraftModel> logger)
    {
        _settings = settings.Draft;
        _logger = logger;
        _loaded = new Lazy<Loaded?>(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public DraftSettings Settings => _settings;

    /// <summary>Whether the draft stands in for <paramref name="model"/> (its client name or upstream name).</summary>
    public bool Serves(string model, string upstreamModel)
    {
        if (!_settings.Enabled)
        {
            return false;
        }

        foreach (var served in _settings.ServesModels)
        {
            if (string.Equals(served, model, StringComparison.Ordinal) || string.Equals(served, upstreamModel, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The loaded model, or null when it cannot be loaded (logged once; the tiers then decline).</summary>
    public Loaded? Get() => _loaded.Value;

    public void Dispose()
    {
        if (_loaded.IsValueCreated)
        {
            _loaded.Value?.Engine.Dispose();
        }
    }

    private Loaded? Load()
    {
        try
        {
            var path = _settings.Model;
            var model = InferenceBackend.Create(path, _settings.Backend, new LoadOptions { Threads = _settings.Threads }, _logger);
            var gguf = path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase);
            var tokenizer = gguf ? Tokenizer.FromGguf(path) : Tokenizer.FromFile(Path.Combine(path, "tokenizer.json"));
            var template = gguf ? ChatTemplate.FromGguf(path) : ChatTemplate.FromModelDirectory(path);
            var engine = new InferenceEngine(model, tokenizer, new EngineOptions { MaxKvCacheBytes = (long)_settings.MaxKvCacheMiB << 20 }, ownsModel: true);
            Log.Loaded(_logger, path, model.Name, model.Config.NumLayers, model.Config.HiddenSize, _settings.Threads);
            return new Loaded(engine, template, [.. model.Config.EosTokenIds], (model as CudaModel)?.Energy);
        }
        catch (Exception e) when (e is CudaUnavailableException or IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException or FormatException or NotSupportedException or System.Text.Json.JsonException)
        {
            Log.LoadFailed(_logger, _settings.Model, e);
            return null;
        }
    }

    /// <summary>
    /// A loaded draft: its engine (model, tokenizer, KV memory budget), chat template and end tokens, and, on the CUDA
    /// backend, NVML's meter of its GPU energy.
    /// </summary>
    internal sealed record Loaded(InferenceEngine Engine, ChatTemplate Template, int[] EosTokenIds, GpuEnergy? Gpu)
    {
        public Tokenizer Tokenizer => Engine.Tokenizer;

        public bool IsEos(int id) => Array.IndexOf(EosTokenIds, id) >= 0;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "Draft model {Path} loaded on {Backend}: {Layers} layers, width {Width}, {Threads} kernel thread(s)")]
        public static partial void Loaded(ILogger logger, string path, string backend, int layers, int width, int threads);

        [LoggerMessage(EventId = 61, Level = LogLevel.Error, Message = "Draft model {Path} could not be loaded; the draft and speculative tiers decline every request")]
        public static partial void LoadFailed(ILogger logger, string path, Exception exception);
    }
}
