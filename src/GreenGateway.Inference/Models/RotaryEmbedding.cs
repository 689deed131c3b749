namespace GreenGateway.Inference.Models;

/// <summary>The rotary embedding's inverse frequencies, with Llama-3 or linear scaling applied.</summary>
internal sealed class RotaryEmbedding
{
    private readonly float[] _inverseFrequencies;

    public RotaryEmbedding(ModelConfig config, ReadOnlySpan<float> frequencyFactors = default)
    {
        Style = config.RopeStyle;
        _inverseFrequencies = InverseFrequencies(config);
        for (var i = 0; i < frequencyFactors.Length && i < _inverseFrequencies.Length; i++)
        {
            // GGUF's rope_freqs.weight holds per-dimension divisors (llama.cpp divides theta by them).
            _inverseFrequencies[i] /= frequencyFactors[i];
        }
    }

    public RopeStyle Style { get; }

    public ReadOnlySpan<float> InverseFrequenciesSpan => _inverseFrequencies;

    /// <summary>
    /// inv_freq[i] = 1 / theta^(2i / d), then the llama3 rule of transformers' _compute_llama3_parameters:
    /// wavelengths longer than original / low_freq_factor are divided by factor, shorter than
    /// original / high_freq_factor kept, and those between blended by smooth = (original / wavelength - low) / (high - low).
    /// </summary>
    public static float[] InverseFrequencies(ModelConfig config)
    {
        var half = config.HeadDim / 2;
        var result = new float[half];
        for (var i = 0; i < half; i++)
        {
            var inv = 1.0 / Math.Pow(config.RopeTheta, 2.0 * i / config.HeadDim) / config.RopeLinearFactor;
            if (config.RopeScaling is { } s)
            {
                var lowWavelength = s.OriginalMaxPositionEmbeddings / s.LowFreqFactor;
                var highWavelength = s.OriginalMaxPositionEmbeddings / s.HighFreqFactor;
                var wavelength = 2 * Math.PI / inv;
                if (wavelength > lowWavelength)
                {
                    inv /= s.Factor;
                }
                else if (wavelength >= highWavelength)
                {
                    var smooth = (s.OriginalMaxPositionEmbeddings / wavelength - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
                    inv = (1 - smooth) * inv / s.Factor + smooth * inv;
                }
            }

            result[i] = (float)inv;
        }

        return result;
    }

    /// <summary>Cosines and sines for <paramref name="count"/> positions from <paramref name="start"/>, each head_dim / 2 long.</summary>
    public void Angles(int start, int count, Span<float> cos, Span<float> sin)
    {
        var half = _inverseFrequencies.Length;
        for (var p = 0; p < count; p++)
        {
            for (var i = 0; i < half; i++)
            {
                // transformers multiplies position by inv_freq in f32 before taking cos and sin.
                var angle = (float)(start + p) * _inverseFrequencies[i];
                cos[p * half + i] = (float)Math.Cos(angle);
                sin[p * half + i] = (float)Math.Sin(angle);
            }
        }
    }
}
