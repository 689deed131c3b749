using System.Numerics.Tensors;

namespace GreenGateway.Inference.Kernels;

/// <summary>Element-wise pieces of the transformer block, on System.Numerics.Tensors (SIMD with a scalar tail).</summary>
internal static class VectorOps
{
    /// <summary>
    /// RMSNorm as Hugging Face's LlamaRMSNorm computes it in f32: x * rsqrt(mean(x^2) + eps) * weight.
    /// </summary>
    public static void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> destination)
    {
        var meanSquare = TensorPrimitives.SumOfSquares(x) / x.Length;
        var scale = 1f / MathF.Sqrt(meanSquare + eps);
        TensorPrimitives.Multiply(x, scale, destination);
        TensorPrimitives.Multiply(destination, weight, destination);
    }

    /// <summary>SwiGLU's gate: destination = silu(gate) * up, silu(g) = g * sigmoid(g).</summary>
    public static void SiluMultiply(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> destination)
    {
        TensorPrimitives.Sigmoid(gate, destination);
        TensorPrimitives.Multiply(destination, gate, destination);
        TensorPrimitives.Multiply(destination, up, destination);
    }

    /// <summary>In-place softmax, shifted by the maximum so that exp never overflows.</summary>
    public static void Softmax(Span<float> values)
    {
        var max = TensorPrimitives.Max(values);
        TensorPrimitives.Subtract(values, max, values);
        TensorPrimitives.Exp(values, values);
        TensorPrimitives.Divide(values, TensorPrimitives.Sum(values), values);
    }

    /// <summary>log(softmax(logits)) into <paramref name="destination"/>.</summary>
    public static void LogSoftmax(ReadOnlySpan<float> logits, Span<float> destination)
    {
        var max = TensorPrimitives.Max(logits);
        TensorPrimitives.Subtract(logits, max, destination);
        var sum = 0.0;
        foreach (var v in destination)
        {
            sum += Math.Exp(v);
        }

        TensorPrimitives.Subtract(destination, (float)Math.Log(sum), destination);
    }

    /// <summary>
    /// Rotates one head in place by the angles whose cosines and sines (head_dim / 2 each) are given.
    /// <see cref="Models.RopeStyle.Half"/> pairs i with i + d/2 (transformers' rotate_half);
    /// <see cref="Models.RopeStyle.Interleaved"/> pairs 2i with 2i + 1 (ggml's normal rope).
    /// </summary>
    public static void Rope(Span<float> head, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, Models.RopeStyle style)
    {
        var half = head.Length / 2;
        if (style == Models.RopeStyle.Half)
        {
            for (var i = 0; i < half; i++)
            {
                var a = head[i];
                var b = head[i + half];
                head[i] = a * cos[i] - b * sin[i];
                head[i + half] = b * cos[i] + a * sin[i];
            }

            return;
        }

        for (var i = 0; i < half; i++)
        {
            var a = head[2 * i];
            var b = head[2 * i + 1];
            head[2 * i] = a * cos[i] - b * sin[i];
            head[2 * i + 1] = b * cos[i] + a * sin[i];
        }
    }
}
