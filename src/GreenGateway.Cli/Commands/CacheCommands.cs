using GreenGateway.Cli.Evaluation;
using GreenGateway.Cli.Workloads;
using GreenGateway.Core.Cache;
using GreenGateway.Semantics.Embeddings;
using System.CommandLine;

namespace GreenGateway.Cli.Commands;

/// <summary><c>gg cache eval</c>.</summary>
internal static class CacheCommands
{
    public static Command Create() => new("cache", "The semantic cache's evaluation") { Eval(), Guard() };

    private static Command Guard()
    {
        var pairs = new Option<string>("--pairs") { Description = "Pairs to check", DefaultValueFactory = _ => "tools/cache-eval/pairs-tune.jsonl" };
        var command = new Command("guard", "The lexical guard alone: the look-alikes it lets through and the paraphrases it stops") { pairs };
        command.SetAction(parse =>
        {
            var list = Jsonl.Read<CachePair>(parse.GetValue(pairs)!).ToList();
            int through = 0, stopped = 0;
            foreach (var pair in list)
            {
                var agrees = LexicalGuard.Agrees(pair.Stored, pair.Query);
                if (agrees != pair.Same)
                {
                    Console.WriteLine($"{(pair.Same ? "stopped paraphrase" : "look-alike through")} [{pair.Kind}]: {pair.Stored} | {pair.Query}");
                    through += pair.Same ? 0 : 1;
                    stopped += pair.Same ? 1 : 0;
                }
            }

            Console.WriteLine($"{through} of {list.Count(p => !p.Same)} look-alikes through, {stopped} of {list.Count(p => p.Same)} paraphrases stopped.");
            return 0;
        });
        return command;
    }

    private static Command Eval()
    {
        var tune = new Option<string>("--tune") { Description = "Pairs to choose the threshold on", DefaultValueFactory = _ => "tools/cache-eval/pairs-tune.jsonl" };
        var test = new Option<string>("--test") { Description = "Pairs to report on at the chosen threshold", DefaultValueFactory = _ => "tools/cache-eval/pairs-test.jsonl" };
        var bound = new Option<double>("--max-false-hits") { Description = "Largest false-hit rate allowed on the tuning split", DefaultValueFactory = _ => 0.01 };
        var model = new Option<string?>("--model") { Description = "A sentence-transformers ONNX model (default: all-MiniLM-L6-v2 from its package)" };
        var vocab = new Option<string?>("--vocab") { Description = "The model's vocab.txt (with --model)" };
        var report = new Option<string?>("--report") { Description = "Also write the report (Markdown) here" };
        var command = new Command("eval", "Paraphrase hit rate and look-alike false-hit rate per threshold: the hashed n-gram embedder against the sentence embedder, with and without the lexical guard")
        {
            tune, test, bound, model, vocab, report,
        };
        command.SetAction(async (parse, ct) =>
        {
            var tunePairs = Jsonl.Read<CachePair>(parse.GetValue(tune)!).ToList();
            var testPairs = Jsonl.Read<CachePair>(parse.GetValue(test)!).ToList();
            using var onnx = new OnnxSentenceEmbedder(new SentenceEmbedderOptions { ModelPath = parse.GetValue(model), VocabPath = parse.GetValue(vocab) });
            var hashed = new HashedNGramEmbedder();
            CacheRule[] rules =
            [
                new("hashed n-grams", hashed, false),
                new("hashed n-grams + guard", hashed, true),
                new(onnx.Name, onnx, false),
                new(onnx.Name + " + guard", onnx, true),
                new(onnx.Name + " + guard, threshold chosen with the structural guard", onnx, true, ChooseWithStructuralGuard: true),
            ];
            var text = await CacheEvaluation.ReportAsync(rules, tunePairs, testPairs, parse.GetValue(bound), ct);
            var scores = await CacheEvaluation.ScoresAsync(onnx, testPairs, ct);
            if (CacheEvaluation.Choose(tunePairs, await CacheEvaluation.ScoresAsync(onnx, tunePairs, ct), true, parse.GetValue(bound), askWords: false) is { } chosen)
            {
                text += $"\nTest split by kind, {onnx.Name} + guard at {chosen.Threshold:0.00}:\n\n" + CacheEvaluation.ByKind(testPairs, scores, true, chosen.Threshold);
            }

            Console.WriteLine(text);
            if (parse.GetValue(report) is { } path)
            {
                File.WriteAllText(path, text);
            }

            return 0;
        });
        return command;
    }
}
