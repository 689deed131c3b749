using GreenGateway.Cli.Workloads;
using GreenGateway.Inference.Generation;
using GreenGateway.Inference.Models;
using GreenGateway.Inference.Tokenization;

namespace GreenGateway.Cli.Labeling;

/// <summary>A greedy answer and the model's confidence in each of its tokens.</summary>
/// <param name="Text">The answer, special tokens left out, trimmed.</param>
/// <param name="TokenIds">Every generated token, the final end-of-turn token included.</param>
/// <param name="Probabilities">The probability of each generated token.</param>
/// <param name="Entropies">The entropy (nats) of each step's distribution, from its 20 most likely tokens (a lower bound).</param>
internal sealed record GreedyAnswer(string Text, int[] TokenIds, float[] Probabilities, float[] Entropies)
{
    public double MeanProbability => Probabilities.Length == 0 ? 0 : Probabilities.Average();

    public double MinProbability => Probabilities.Length == 0 ? 0 : Probabilities.Min();

    public double MeanEntropy => Entropies.Length == 0 ? 0 : Entropies.Average();
}

/// <summary>One of the demo models (a Hugging Face folder) with its tokenizer and chat template, run by the CPU engine.</summary>
internal sealed class LocalModel : IDisposable
{
    // The engine reports at most 20 alternatives a step (OpenAI's top_logprobs limit).
    private const int EntropyTopK = 20;

    public LocalModel(string directory, int threads)
    {
        Directory = Path.GetFullPath(directory);
        Tokenizer = Tokenizer.FromFile(Path.Combine(Directory, "tokenizer.json"));
        Chat = ChatTemplate.FromModelDirectory(Directory);
        var model = ModelLoader.Load(Directory, new LoadOptions { Threads = threads });
        Engine = new InferenceEngine(model, Tokenizer, new EngineOptions(), ownsModel: true);
    }

    public string Directory { get; }

    public Tokenizer Tokenizer { get; }

    public ChatTemplate Chat { get; }

    public InferenceEngine Engine { get; }

    /// <summary>The prompt's tokens: the chat template with the generation prompt.</summary>
    public int[] Encode(IReadOnlyList<ChatTurn> messages) =>
        Tokenizer.Encode(Chat.Render([.. messages.Select(m => new ChatMessage(m.Role, m.Content))]));

    public async Task<GreedyAnswer> GenerateGreedyAsync(int[] prompt, int maxTokens, CancellationToken cancellationToken)
    {
        var options = new SamplingOptions { Temperature = 0, MaxTokens = maxTokens, TopLogprobs = EntropyTopK };
        var ids = new List<int>();
        var probabilities = new List<float>();
        var entropies = new List<float>();
        var text = new System.Text.StringBuilder();
        await foreach (var token in Engine.GenerateAsync(prompt, options, cancellationToken))
        {
            ids.Add(token.TokenId);
            probabilities.Add(MathF.Exp(token.Logprob));
            entropies.Add(Entropy(token.TopLogprobs));
            text.Append(token.Text);
        }

        return new GreedyAnswer(text.ToString().Trim(), [.. ids], [.. probabilities], [.. entropies]);
    }

    /// <summary>
    /// Teacher-forced greedy agreement: the share of <paramref name="continuation"/>'s tokens that this model's
    /// argmax predicts after <paramref name="prompt"/> and the continuation's earlier tokens. Under greedy
    /// verification that is the share of drafted tokens the target accepts (Leviathan et al. 2023,
    /// arXiv:2211.17192, with temperature 0).
    /// </summary>
    public async Task<double> ArgmaxAgreementAsync(int[] prompt, int[] continuation, CancellationToken cancellationToken)
    {
        if (continuation.Length == 0)
        {
            return 1;
        }

        int[] tokens = [.. prompt, .. continuation];
        var scores = await Engine.ScorePromptAsync(tokens, topLogprobs: 1, cancellationToken);
        var agree = 0;
        for (var i = prompt.Length; i < tokens.Length; i++)
        {
            if (scores[i].TopLogprobs.Count > 0 && scores[i].TopLogprobs[0].TokenId == tokens[i])
            {
                agree++;
            }
        }

        return (double)agree / continuation.Length;
    }

    public void Dispose() => Engine.Dispose();

    /// <summary>-sum p log p over the reported alternatives, the rest of the mass counted as one more outcome.</summary>
    private static float Entropy(IReadOnlyList<TokenLogprob> top)
    {
        var entropy = 0.0;
        var mass = 0.0;
        foreach (var t in top)
        {
            var p = Math.Exp(t.Logprob);
            mass += p;
            entropy -= p * t.Logprob;
        }

        var rest = 1 - mass;
        if (rest > 1e-9)
        {
            entropy -= rest * Math.Log(rest);
        }

        return (float)entropy;
    }
}
