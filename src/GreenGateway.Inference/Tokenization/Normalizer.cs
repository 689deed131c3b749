using System.Text;

namespace GreenGateway.Inference.Tokenization;

/// <summary>The Unicode normalizations tokenizer.json may ask for (NFC for Qwen2), alone or in a sequence.</summary>
internal sealed class Normalizer(IReadOnlyList<Func<string, string>> steps)
{
    /// <summary>
    /// Whether this process can normalize beyond ASCII: under InvariantGlobalization .NET has no ICU and returns
    /// such text unchanged, so a host that runs NFC tokenizers (Qwen2) should turn invariant mode off.
    /// </summary>
    public static readonly bool RuntimeCanNormalize = "e\u0301".Normalize(NormalizationForm.FormC) == "\u00e9";

    public static Normalizer? FromForms(IReadOnlyList<string> types)
    {
        var steps = new List<Func<string, string>>();
        foreach (var type in types)
        {
            steps.Add(type switch
            {
                "NFC" => static s => s.Normalize(NormalizationForm.FormC),
                "NFD" => static s => s.Normalize(NormalizationForm.FormD),
                "NFKC" => static s => s.Normalize(NormalizationForm.FormKC),
                "NFKD" => static s => s.Normalize(NormalizationForm.FormKD),
                "Lowercase" => static s => s.ToLowerInvariant(),
                _ => throw new NotSupportedException($"unsupported normalizer '{type}'; supported are NFC, NFD, NFKC, NFKD and Lowercase."),
            });
        }

        return steps.Count == 0 ? null : new Normalizer(steps);
    }

    public string Apply(string text)
    {
        foreach (var step in steps)
        {
            text = step(text);
        }

        return text;
    }
}
