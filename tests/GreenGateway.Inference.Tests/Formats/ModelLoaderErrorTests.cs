using GreenGateway.Inference.Formats;
using GreenGateway.Inference.Models;

namespace GreenGateway.Inference.Tests.Formats;

public sealed class ModelLoaderErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gg-inference-").FullName;

    [Fact]
    public void Load_CheckpointMissingTensors_NamesEveryMissingTensor()
    {
        CopyModelWithout("mistral", "model.layers.1.mlp.up_proj.weight", "model.norm.weight");

        var error = Assert.Throws<InvalidDataException>(() => ModelLoader.Load(_dir));

        Assert.Contains("model.layers.1.mlp.up_proj.weight", error.Message);
        Assert.Contains("model.norm.weight", error.Message);
        Assert.Contains("lacks 2 tensor(s)", error.Message);
    }

    [Fact]
    public void Load_UnsupportedArchitecture_NamesItAndTheSupportedOnes()
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), """{"architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox"}""");
        File.Copy(Path.Combine(ReferenceData.ModelPath("mistral"), "model.safetensors"), Path.Combine(_dir, "model.safetensors"));

        var error = Assert.Throws<NotSupportedException>(() => ModelLoader.Load(_dir));

        Assert.Contains("GPTNeoXForCausalLM", error.Message);
        Assert.Contains("Qwen2ForCausalLM", error.Message);
    }

    [Fact]
    public void Open_UnsupportedDType_NamesTheTensorAndTheType()
    {
        var path = Path.Combine(_dir, "model.safetensors");
        SafeTensorsWriter.Write(path, [("counts", "I32", [2], new byte[8])]);

        var error = Assert.Throws<NotSupportedException>(() => SafeTensorsFile.Open(path));

        Assert.Contains("'counts'", error.Message);
        Assert.Contains("I32", error.Message);
    }

    [Fact]
    public void Open_TensorBytesDisagreeWithShape_IsRejected()
    {
        var path = Path.Combine(_dir, "model.safetensors");
        SafeTensorsWriter.Write(path, [("w", "F32", [3, 2], new byte[20])]);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(path));

        Assert.Contains("'w'", error.Message);
    }

    [Fact]
    public void Open_ShardedCheckpoint_FindsEveryTensorThroughTheIndex()
    {
        using var checkpoint = SafeTensorsCheckpoint.Open(ReferenceData.ModelPath("llama"));

        Assert.True(checkpoint.TryGet("model.layers.1.self_attn.v_proj.weight", out var v));
        Assert.True(checkpoint.TryGet("lm_head.weight", out var head));
        Assert.Equal([32L, 64L], v.Shape);
        Assert.Equal(TensorDType.F32, head.DType);
        Assert.Equal(2 * 9 + 3, checkpoint.Names.Count());
    }

    [Fact]
    public void FromJson_InvalidShape_ReportsEveryProblemAtOnce()
    {
        var error = Assert.Throws<InvalidDataException>(() => ModelConfig.FromJson(
            """{"architectures": ["LlamaForCausalLM"], "vocab_size": 10, "hidden_size": 64, "intermediate_size": 0, "num_hidden_layers": 0, "num_attention_heads": 4, "num_key_value_heads": 3}"""));

        Assert.Contains("intermediate_size", error.Message);
        Assert.Contains("num_hidden_layers", error.Message);
        Assert.Contains("num_key_value_heads", error.Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void CopyModelWithout(string model, params string[] drop)
    {
        var source = ReferenceData.ModelPath(model);
        File.Copy(Path.Combine(source, "config.json"), Path.Combine(_dir, "config.json"));
        using var file = SafeTensorsFile.Open(Path.Combine(source, "model.safetensors"));
        var kept = new List<(string, string, long[], byte[])>();
        foreach (var name in file.Names.Where(n => !drop.Contains(n)))
        {
            file.TryGet(name, out var t);
            kept.Add((name, "F32", t.Shape, t.Bytes.ToArray()));
        }

        SafeTensorsWriter.Write(Path.Combine(_dir, "model.safetensors"), kept);
    }
}
