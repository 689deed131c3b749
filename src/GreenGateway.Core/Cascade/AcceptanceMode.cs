namespace GreenGateway.Core.Cascade;

/// <summary>How the speculative tier decides which of the draft's tokens to keep (per tenant).</summary>
public enum AcceptanceMode
{
    /// <summary>
    /// Keep a drafted token exactly when it is the large model's greedy choice: the output is identical to the
    /// large model's greedy output (Leviathan et al. 2023, the temperature-0 case).
    /// </summary>
    Greedy,

    /// <summary>
    /// Lossless speculative sampling (Leviathan, Kalman, Matias 2023, "Fast Inference from Transformers via
    /// Speculative Decoding", arXiv:2211.17192, Algorithm 1): keep token x with probability min(1, p(x)/q(x)),
    /// else sample from norm(max(0, p - q)). The output is distributed as the large model's samples.
    /// </summary>
    Sampling,

    /// <summary>
    /// Speculative cascades (Narasimhan et al., "Faster Cascades via Speculative Decoding", ICLR 2025,
    /// arXiv:2405.19261), the token-level deferral rule: keep a drafted token v when p(v) &gt;= (1 - alpha) * max p,
    /// with the lenience alpha per tenant (0 is greedy-lossless; larger keeps more of the draft).
    /// </summary>
    Cascade,
}
