using System.Text.Json.Nodes;

namespace GreenGateway.Tests.Support;

/// <summary>Server-sent events as a client reads them: each event's name (its <c>event:</c> line, empty without one) and its JSON data.</summary>
internal static class Sse
{
    public static List<(string Name, JsonObject Data)> Parse(string stream)
    {
        var events = new List<(string, JsonObject)>();
        foreach (var block in stream.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var name = "";
            string? data = null;
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    name = line[6..].Trim();
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data = line[5..].Trim();
                }
            }

            if (data is not null && data != "[DONE]")
            {
                events.Add((name, (JsonObject)JsonNode.Parse(data)!));
            }
        }

        return events;
    }
}
