using System.Text;

namespace GreenGateway.Core.Routing;

public sealed partial class SoftmaxClassifier
{
    private const uint Magic = 0x54525247; // "GGRT", little-endian
    private const int Version = 1;

    /// <summary>Writes the model: magic, version, dimensions, labels, then the non-zero weights as (index, value) pairs and the biases.</summary>
    public void Save(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write(Dimensions);
        writer.Write(Labels.Count);
        foreach (var label in Labels)
        {
            writer.Write(label);
        }

        var nonZero = _weights.Count(w => w != 0);
        writer.Write(nonZero);
        for (var i = 0; i < _weights.Length; i++)
        {
            if (_weights[i] != 0)
            {
                writer.Write(i);
                writer.Write(_weights[i]);
            }
        }

        foreach (var b in _bias)
        {
            writer.Write(b);
        }
    }

    /// <summary>Reads a model written by <see cref="Save"/>; <see cref="InvalidDataException"/> for anything else.</summary>
    public static SoftmaxClassifier Load(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (reader.ReadUInt32() != Magic || reader.ReadInt32() != Version)
        {
            throw new InvalidDataException("not a router model (GGRT version 1)");
        }

        var dimensions = reader.ReadInt32();
        var classes = reader.ReadInt32();
        if (dimensions is < 1 or > (1 << 26) || classes is < 2 or > 64)
        {
            throw new InvalidDataException($"implausible router model: {dimensions} dimensions, {classes} classes");
        }

        var labels = new string[classes];
        for (var k = 0; k < classes; k++)
        {
            labels[k] = reader.ReadString();
        }

        var model = new SoftmaxClassifier(labels, dimensions);
        var nonZero = reader.ReadInt32();
        if (nonZero < 0 || nonZero > model._weights.Length)
        {
            throw new InvalidDataException("router model: bad weight count");
        }

        for (var n = 0; n < nonZero; n++)
        {
            var index = reader.ReadInt32();
            if ((uint)index >= (uint)model._weights.Length)
            {
                throw new InvalidDataException("router model: weight index out of range");
            }

            model._weights[index] = reader.ReadSingle();
        }

        for (var k = 0; k < classes; k++)
        {
            model._bias[k] = reader.ReadSingle();
        }

        return model;
    }

    /// <summary>Weight of class <paramref name="k"/> at feature <paramref name="j"/> (tests).</summary>
    internal ref float Weight(int k, int j) => ref _weights[(k * Dimensions) + j];
}
