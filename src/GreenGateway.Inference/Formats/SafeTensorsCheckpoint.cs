using System.Text.Json;

namespace GreenGateway.Inference.Formats;

/// <summary>
/// The safetensors weights of a Hugging Face checkpoint folder: <c>model.safetensors</c>, or the shards that
/// <c>model.safetensors.index.json</c> lists in its <c>weight_map</c> (transformers' sharded checkpoint layout).
/// </summary>
internal sealed class SafeTensorsCheckpoint : ITensorSource
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly List<SafeTensorsFile> _files;
    private readonly Dictionary<string, SafeTensorsFile> _byTensor;

    private SafeTensorsCheckpoint(string description, List<SafeTensorsFile> files, Dictionary<string, SafeTensorsFile> byTensor)
    {
        Description = description;
        _files = files;
        _byTensor = byTensor;
    }

    public string Description { get; }

    public IEnumerable<string> Names => _byTensor.Keys;

    public static bool Exists(string directory) =>
        File.Exists(Path.Combine(directory, IndexFileName)) || File.Exists(Path.Combine(directory, SingleFileName));

    public static SafeTensorsCheckpoint Open(string directory)
    {
        var index = Path.Combine(directory, IndexFileName);
        if (File.Exists(index))
        {
            return OpenSharded(directory, index);
        }

        var single = Path.Combine(directory, SingleFileName);
        if (!File.Exists(single))
        {
            throw new FileNotFoundException($"'{directory}' holds neither {SingleFileName} nor {IndexFileName}.", single);
        }

        var file = SafeTensorsFile.Open(single);
        var map = file.Names.ToDictionary(static n => n, _ => file, StringComparer.Ordinal);
        return new SafeTensorsCheckpoint(single, [file], map);
    }

    public bool TryGet(string name, out TensorView tensor)
    {
        if (_byTensor.TryGetValue(name, out var file))
        {
            return file.TryGet(name, out tensor);
        }

        tensor = default;
        return false;
    }

    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }

    private static SafeTensorsCheckpoint OpenSharded(string directory, string indexPath)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(indexPath));
        var shards = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
        var byTensor = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in json.RootElement.GetProperty("weight_map").EnumerateObject())
            {
                var shardName = entry.Value.GetString() ?? throw new InvalidDataException($"'{indexPath}': no shard for '{entry.Name}'.");
                if (!shards.TryGetValue(shardName, out var shard))
                {
                    shard = SafeTensorsFile.Open(Path.Combine(directory, shardName));
                    shards.Add(shardName, shard);
                }

                if (!shard.TryGet(entry.Name, out _))
                {
                    throw new InvalidDataException($"'{indexPath}' places '{entry.Name}' in {shardName}, which does not hold it.");
                }

                byTensor[entry.Name] = shard;
            }
        }
        catch
        {
            foreach (var shard in shards.Values)
            {
                shard.Dispose();
            }

            throw;
        }

        return new SafeTensorsCheckpoint(indexPath, [.. shards.Values], byTensor);
    }
}
