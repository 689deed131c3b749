using GreenGateway.Inference.Formats;
using GreenGateway.Inference.Kernels;

namespace GreenGateway.Inference.Models;

/// <summary>Loads a Hugging Face checkpoint folder (config.json + safetensors) or a GGUF file.</summary>
public static partial class ModelLoader
{
    /// <summary>
    /// Loads the model at <paramref name="path"/>: a folder with config.json and model.safetensors (or a sharded
    /// index), a .gguf file, or a folder holding one .gguf file.
    /// </summary>
    public static TransformerModel Load(string path, LoadOptions? options = null)
    {
        options ??= new LoadOptions();
        options.Validate();
        if (File.Exists(path) && path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
        {
            return LoadGguf(path, options);
        }

        if (!Directory.Exists(path))
        {
            throw new FileNotFoundException($"no model at '{path}': expected a checkpoint folder or a .gguf file.", path);
        }

        var configPath = Path.Combine(path, "config.json");
        if (File.Exists(configPath) && SafeTensorsCheckpoint.Exists(path))
        {
            var config = ModelConfig.FromJson(File.ReadAllText(configPath));
            var checkpoint = SafeTensorsCheckpoint.Open(path);
            return Build(config, checkpoint, HuggingFaceNaming.Instance, options, null);
        }

        var ggufs = Directory.GetFiles(path, "*.gguf");
        if (ggufs.Length == 1)
        {
            return LoadGguf(ggufs[0], options);
        }

        throw new FileNotFoundException(
            $"'{path}' holds no config.json with model.safetensors (or {SafeTensorsCheckpoint.IndexFileName}), nor a single .gguf file.");
    }

    /// <summary>Builds a model from tensors in memory (tests and benchmarks), with names as Hugging Face spells them.</summary>
    internal static TransformerModel FromTensors(ModelConfig config, ITensorSource source, LoadOptions options) =>
        Build(config.Validated(), source, HuggingFaceNaming.Instance, options, null);

    private static TransformerModel Build(ModelConfig config, ITensorSource source, ITensorNaming names, LoadOptions options, float[]? ropeFactors)
    {
        try
        {
            CheckPresent(config, source, names);
            var weights = new WeightBuilder(source, options.Weights);
            var layers = new LayerWeights[config.NumLayers];
            for (var i = 0; i < layers.Length; i++)
            {
                layers[i] = BuildLayer(config, weights, names, i);
            }

            var embedding = weights.Matrix(names.Embedding, config.VocabSize, config.HiddenSize);
            var tied = config.TieWordEmbeddings || !source.TryGet(names.LmHead, out _);
            var model = new TransformerWeights
            {
                Embedding = embedding,
                Layers = layers,
                FinalNorm = weights.Vector(names.FinalNorm, config.HiddenSize),
                LmHead = tied ? embedding : weights.Matrix(names.LmHead, config.VocabSize, config.HiddenSize),
                Sources = [source],
            };
            var rope = new RotaryEmbedding(config, ropeFactors);
            return new TransformerModel(config, model, options.Threads, rope);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    private static LayerWeights BuildLayer(ModelConfig c, WeightBuilder w, ITensorNaming names, int i)
    {
        float[]? bias = null;
        if (c.AttentionBias)
        {
            bias = new float[c.QDim + 2 * c.KvDim];
            w.Vector(names.Layer(i, LayerTensor.QBias), c.QDim).CopyTo(bias, 0);
            w.Vector(names.Layer(i, LayerTensor.KBias), c.KvDim).CopyTo(bias, c.QDim);
            w.Vector(names.Layer(i, LayerTensor.VBias), c.KvDim).CopyTo(bias, c.QDim + c.KvDim);
        }

        return new LayerWeights
        {
            AttentionNorm = w.Vector(names.Layer(i, LayerTensor.AttentionNorm), c.HiddenSize),
            Qkv = new ConcatRowsMatrix(
                w.Matrix(names.Layer(i, LayerTensor.Q), c.QDim, c.HiddenSize),
                w.Matrix(names.Layer(i, LayerTensor.K), c.KvDim, c.HiddenSize),
                w.Matrix(names.Layer(i, LayerTensor.V), c.KvDim, c.HiddenSize)),
            QkvBias = bias,
            Output = w.Matrix(names.Layer(i, LayerTensor.Output), c.HiddenSize, c.QDim),
            MlpNorm = w.Vector(names.Layer(i, LayerTensor.MlpNorm), c.HiddenSize),
            GateUp = new ConcatRowsMatrix(
                w.Matrix(names.Layer(i, LayerTensor.Gate), c.IntermediateSize, c.HiddenSize),
                w.Matrix(names.Layer(i, LayerTensor.Up), c.IntermediateSize, c.HiddenSize)),
            Down = w.Matrix(names.Layer(i, LayerTensor.Down), c.HiddenSize, c.IntermediateSize),
        };
    }

    /// <summary>Checks that every tensor the config calls for is there, naming all that are missing.</summary>
    private static void CheckPresent(ModelConfig c, ITensorSource source, ITensorNaming names)
    {
        var required = new List<string> { names.Embedding, names.FinalNorm };
        if (!c.TieWordEmbeddings && names is HuggingFaceNaming)
        {
            required.Add(names.LmHead);
        }

        for (var i = 0; i < c.NumLayers; i++)
        {
            foreach (var t in Enum.GetValues<LayerTensor>())
            {
                if (c.AttentionBias || t is not (LayerTensor.QBias or LayerTensor.KBias or LayerTensor.VBias))
                {
                    required.Add(names.Layer(i, t));
                }
            }
        }

        var missing = required.Where(n => !source.TryGet(n, out _)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException(
                $"{source.Description} lacks {missing.Count} tensor(s) that a {c.Architecture} model of {c.NumLayers} layers needs: " +
                string.Join(", ", missing.Take(20)) + (missing.Count > 20 ? ", ..." : "") + ".");
        }
    }
}
