using GreenGateway.Inference.Formats;
using GreenGateway.Inference.Kernels;

namespace GreenGateway.Inference.Models;

/// <summary>Turns stored tensors into the matrices the kernels use, in the requested storage.</summary>
internal sealed unsafe class WeightBuilder(ITensorSource source, WeightFormat format)
{
    public float[] Vector(string name, int length)
    {
        var t = Get(name);
        if (t.ElementCount != length || t.Shape.Length != 1)
        {
            throw new InvalidDataException($"{source.Description}: tensor '{name}' has shape {t.ShapeText}; [{length}] was expected.");
        }

        return FloatConversion.ToSingleArray(t);
    }

    public WeightMatrix Matrix(string name, int rows, int cols)
    {
        var t = Get(name);
        if (t.Shape.Length != 2 || t.Shape[0] != rows || t.Shape[1] != cols)
        {
            throw new InvalidDataException($"{source.Description}: tensor '{name}' has shape {t.ShapeText}; [{rows}, {cols}] was expected.");
        }

        switch (t.DType)
        {
            case TensorDType.Q8_0:
                return QuantizedBlocks.ToInt8(t, rows, cols);
            case TensorDType.Q4_0:
                return QuantizedBlocks.ToQ4(t, rows, cols);
            case TensorDType.F32 when format == WeightFormat.F32:
                // In place: the mapped file is the weight memory.
                return new F32Matrix(rows, cols, (float*)t.Data, null);
        }

        if (format == WeightFormat.Int8 && cols % Int8Matrix.Group == 0)
        {
            var widened = FloatConversion.ToSingleArray(t);
            return Int8Matrix.Quantize(widened, rows, cols);
        }

        var matrix = F32Matrix.Allocate(rows, cols, out var data);
        FloatConversion.ToSingle(t, data);
        return matrix;
    }

    private TensorView Get(string name) => source.TryGet(name, out var t)
        ? t
        : throw new InvalidDataException($"{source.Description} has no tensor '{name}'.");
}
