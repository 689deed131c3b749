using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Tests.Support;

namespace GreenGateway.Pipeline.Tests;

/// <summary>
/// 10,000 generated and mutated bodies against a real gateway and a real Kestrel upstream: every answer is a 2xx or a
/// 4xx in OpenAI's error shape, what was charged is exactly what the 2xx answers reported, nothing stays reserved, and
/// the gateway is alive at the end.
/// </summary>
public sealed class RequestFuzzTests
{
    private const int Bodies = 10_000;

    private const string Policies = """
        tenants:
          alpha:
            keys: ["{alpha}"]
            budgets:
              day: { energy_wh: 1000000 }
        """;

    private static readonly string[] Paths = ["/v1/chat/completions", "/V1/Chat/Completions/", "/v1//chat/completions", "/v1/completions", "/v1/embeddings"];

    [Fact]
    public async Task GeneratedAndMutatedBodies_GetA2xxOrAnOpenAi4xx_AndOnlyAnswersAreCharged()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], Policies);
        using var client = gateway.Client();
        client.Timeout = TimeSpan.FromSeconds(30);
        var charged = new ConcurrentBag<double>();
        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var next = -1;

        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Bodies)
            {
                var random = new Random(i);
                var path = Paths[random.Next(Paths.Length)];
                var body = Generate(random, path);
                using var content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } };
                using var response = await client.PostAsync(path, content);
                var text = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                statuses.AddOrUpdate(status, 1, static (_, n) => n + 1);
                if (Check(status, response, text, charged) is { } problem)
                {
                    failures.Enqueue($"#{i} {path} {Encoding.UTF8.GetString(body)[..Math.Min(body.Length, 200)]} -> {status}: {problem}");
                }
            }
        }));

        Assert.True(failures.IsEmpty, $"{failures.Count} bad answers, first: {string.Join(Environment.NewLine, failures.Take(5))}");
        Assert.True(statuses.Keys.Any(s => s is >= 200 and < 300) && statuses.Keys.Any(s => s is >= 400 and < 500),
            string.Join(", ", statuses.Select(kv => $"{kv.Key}: {kv.Value}")));
        // Within 1e-6 J, not "to 6 decimal places": the two sums add the same thousands of figures in different orders
        // (a concurrent bag, the ledger), and rounding each to 6 places failed once on a 1.2e-8 J difference that
        // straddled a rounding boundary (7505.0030315057 against 7505.0030314939).
        Assert.Equal(charged.Sum(), await Json.ConsumedJoulesAsync(client), 1e-6);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz", TestContext.Current.CancellationToken)).StatusCode);
    }

    /// <summary>What is wrong with an answer, or null: a 2xx reports its energy, a 4xx is OpenAI's error shape, nothing else comes.</summary>
    private static string? Check(int status, HttpResponseMessage response, string text, ConcurrentBag<double> charged)
    {
        if (status is >= 200 and < 300)
        {
            if (response.Headers.TryGetValues("X-GG-Energy-J", out var header))
            {
                charged.Add(double.Parse(header.Single(), CultureInfo.InvariantCulture));
                return null;
            }

            // A stream: its figures travel in the usage chunk (the generator always asks for it).
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith("data: {", StringComparison.Ordinal) && JsonNode.Parse(line[6..])?["usage"]?["energy_joules"] is JsonValue joules)
                {
                    charged.Add(joules.GetValue<double>());
                    return null;
                }
            }

            return "a 2xx without its energy";
        }

        if (status is < 400 or >= 500)
        {
            return "neither 2xx nor 4xx";
        }

        try
        {
            var error = JsonNode.Parse(text)?["error"];
            return error?["message"] is JsonValue m && m.GetValueKind() == JsonValueKind.String && error["type"] is JsonValue ? null : "a 4xx not in OpenAI's shape";
        }
        catch (JsonException)
        {
            return "a 4xx that is not JSON";
        }
    }

    private static readonly string[] Texts = ["hi", "What does String.Trim do?", "What is 12 * 7?", "é 漢字 🚀", "", "a\"b\\c\nd"];

    private static readonly (string Field, JsonNode? Value)[] Wrong =
    [
        ("model", 42), ("model", ""), ("messages", "hi"), ("messages", new JsonArray()), ("messages", new JsonArray(1)),
        ("messages", new JsonArray(new JsonObject { ["role"] = "user", ["content"] = new JsonArray(1) })),
        ("messages", new JsonArray(new JsonObject { ["role"] = "wizard", ["content"] = "x" })),
        ("messages", new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "x" }, new JsonObject { ["role"] = "assistant", ["content"] = new JsonArray(new JsonObject { ["type"] = "text" }) })),
        ("temperature", "hot"), ("temperature", -1), ("top_p", true), ("max_tokens", -1), ("max_tokens", 1.5), ("max_tokens", 4294967296L),
        ("n", 0), ("n", "2"), ("stream", "yes"), ("stream_options", true), ("stop", 5), ("seed", 1.5), ("tools", new JsonArray(1)),
        ("prompt", 42), ("input", true), ("logit_bias", "x"), ("presence_penalty", 9),
    ];

    private static byte[] Generate(Random random, string path)
    {
        var body = Valid(random, path);
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        switch (random.Next(10))
        {
            case 0 or 1 or 2:
                return bytes;
            case 3:
                return bytes[..random.Next(bytes.Length)];
            case 4 or 5:
                var (field, value) = Wrong[random.Next(Wrong.Length)];
                body[field] = value?.DeepClone();
                return Encoding.UTF8.GetBytes(body.ToJsonString());
            case 6:
                var at = random.Next(bytes.Length);
                return [.. bytes[..at], (byte)random.Next(0x80, 0x100), .. bytes[at..]];
            case 7:
                var quote = Array.LastIndexOf(bytes, (byte)'"');
                return quote < 0 ? bytes : [.. bytes[..quote], .. Encoding.ASCII.GetBytes(random.Next(2) == 0 ? "\\ud800" : "\\udfff\\u0000"), .. bytes[quote..]];
            case 8:
                // Nesting around the 64 levels the parser allows: some bodies pass, the deeper ones are a 400.
                var depth = random.Next(50, 130);
                var nested = body.ToJsonString()[..^1] + ",\"extra\":" + new string('[', depth) + new string(']', depth) + "}";
                return Encoding.UTF8.GetBytes(nested);
            default:
                var numbers = new[] { "1e999", "-1e999", "99999999999999999999999999", "1e-999", "-0", "2147483648", "NaN" };
                var name = new[] { "max_tokens", "n", "temperature", "seed", "top_p" }[random.Next(5)];
                body.Remove(name);
                return Encoding.UTF8.GetBytes(body.ToJsonString()[..^1] + $",\"{name}\":{numbers[random.Next(numbers.Length)]}}}");
        }
    }

    /// <summary>A valid body for the endpoint of <paramref name="path"/>.</summary>
    private static JsonObject Valid(Random random, string path)
    {
        var body = new JsonObject { ["model"] = "echo-model" };
        if (path.Contains("embeddings", StringComparison.OrdinalIgnoreCase))
        {
            body["input"] = random.Next(2) == 0 ? Texts[random.Next(Texts.Length)] : new JsonArray(1, 2, 3);
            return body;
        }

        if (path.Contains("chat", StringComparison.OrdinalIgnoreCase))
        {
            var messages = new JsonArray();
            for (var i = random.Next(1, 4); i > 0; i--)
            {
                var text = Texts[random.Next(Texts.Length)];
                messages.Add(new JsonObject
                {
                    ["role"] = i == 1 ? "user" : new[] { "system", "user", "assistant" }[random.Next(3)],
                    ["content"] = random.Next(3) == 0 ? new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }) : text,
                });
            }

            body["messages"] = messages;
        }
        else
        {
            body["prompt"] = Texts[random.Next(Texts.Length)];
        }

        if (random.Next(2) == 0)
        {
            body["max_tokens"] = random.Next(1, 64);
        }

        if (random.Next(3) == 0)
        {
            body["temperature"] = random.Next(0, 200) / 100.0;
        }

        if (random.Next(4) == 0)
        {
            body["stream"] = true;
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        if (random.Next(8) == 0)
        {
            body["n"] = random.Next(1, 4);
        }

        if (random.Next(8) == 0)
        {
            body["vllm_extra"] = new JsonObject { ["top_k"] = 5 };
        }

        return body;
    }
}
