using System.Text.Json;
using GreenGateway.Inference.Formats;

namespace GreenGateway.Inference.Tests;

/// <summary>
/// What Hugging Face computed for the tiny random-weight models and tokenizers under TestData
/// (written by tools/reference/make_reference.py on the GPU machine).
/// </summary>
internal static class ReferenceData
{
    private static readonly Lazy<JsonDocument> Json = new(() => JsonDocument.Parse(File.ReadAllText(PathOf("reference.json"))));
    private static readonly Lazy<JsonDocument> TokenizationJson = new(() => JsonDocument.Parse(File.ReadAllText(PathOf("tokenization.json"))));
    private static readonly Lazy<Dictionary<string, float[]>> Tensors = new(LoadTensors);

    public static JsonElement Root => Json.Value.RootElement;

    public static JsonElement Tokenization => TokenizationJson.Value.RootElement;

    public static string PathOf(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "TestData", .. parts]);

    public static string ModelPath(string name) => PathOf("models", name);

    public static float[] Tensor(string name) => Tensors.Value[name];

    public static int[] Ints(JsonElement e) => e.EnumerateArray().Select(static x => x.GetInt32()).ToArray();

    /// <summary>max |actual - expected| / max |expected|: error normalized by the scale of the values.</summary>
    public static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxDiff = 0, maxRef = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs((double)actual[i] - expected[i]));
            maxRef = Math.Max(maxRef, Math.Abs((double)expected[i]));
        }

        return maxDiff / maxRef;
    }

    private static Dictionary<string, float[]> LoadTensors()
    {
        using var file = SafeTensorsFile.Open(PathOf("reference.safetensors"));
        var result = new Dictionary<string, float[]>();
        foreach (var name in file.Names)
        {
            file.TryGet(name, out var view);
            result[name] = FloatConversion.ToSingleArray(view);
        }

        return result;
    }
}
