using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace GreenGateway.Cli.Tests.Support;

/// <summary>
/// A small corpus folder in build_corpus.py's format: types in System.Widgets (in scope when asked for) and in
/// Other.Space (out of scope), each with summary phrasings and a method whose summary group has one held-out phrasing
/// for every other type.
/// </summary>
internal static class SyntheticCorpus
{
    public const string Namespace = "System.Widgets";

    public static void Write(string folder, int types = 300)
    {
        var train = new List<JsonObject>();
        var heldOut = new List<JsonObject>();
        foreach (var ns in new[] { Namespace, "Other.Space" })
        {
            for (var t = 0; t < types; t++)
            {
                var type = $"{ns}.Widget{t}";
                train.Add(new JsonObject { ["kind"] = "doc", ["member"] = type, ["text"] = type + "\nA widget." });
                string[] typeQuestions = [$"What is {type}?", $"Explain the type {type}.", $"What is {type} used for?"];
                foreach (var q in typeQuestions)
                {
                    train.Add(Chat(q, $"Represents widget number {t}.", type, "summary"));
                }

                var method = type + ".Spin";
                string[] methodQuestions = [$"What does {method} do?", $"Explain {method}.", $"What is the purpose of {method}?"];
                for (var i = 0; i < methodQuestions.Length; i++)
                {
                    var record = Chat(methodQuestions[i], $"Spins widget {t} once.", method, "summary");
                    if (t % 2 == 0 && i == 1)
                    {
                        record["answer"] = $"Spins widget {t} once.";
                        heldOut.Add(record);
                    }
                    else
                    {
                        train.Add(record);
                    }
                }
            }
        }

        WriteGz(Path.Combine(folder, "train.jsonl.gz"), train);
        WriteGz(Path.Combine(folder, "heldout.jsonl.gz"), heldOut);
    }

    private static JsonObject Chat(string question, string answer, string member, string kind) => new()
    {
        ["kind"] = kind,
        ["member"] = member,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = question }, new JsonObject { ["role"] = "assistant", ["content"] = answer }),
    };

    private static void WriteGz(string path, IEnumerable<JsonObject> records)
    {
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        using var writer = new StreamWriter(gz, new UTF8Encoding(false));
        foreach (var r in records)
        {
            writer.Write(r.ToJsonString() + "\n");
        }
    }
}
