namespace GreenGateway.Deploy.Tests.Support;

/// <summary>One instruction of a Dockerfile: its keyword and its arguments, continuation lines joined.</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments, int Line);

/// <summary>One build stage: from <c>FROM</c> up to the next.</summary>
internal sealed record DockerStage(string Name, string BaseImage, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<DockerInstruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    /// <summary>ENV in both spellings (<c>K=V K2=V2</c> and <c>K V</c>), later values winning, inherited stages first.</summary>
    public Dictionary<string, string> Environment(IReadOnlyList<DockerStage> stages)
    {
        var result = stages.FirstOrDefault(s => s.Name == BaseImage)?.Environment(stages) ?? new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var env in All("ENV"))
        {
            if (!env.Arguments.Contains('=', StringComparison.Ordinal))
            {
                var parts = env.Arguments.Split(' ', 2, StringSplitOptions.TrimEntries);
                result[parts[0]] = parts[1];
                continue;
            }

            foreach (var pair in env.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = pair.Split('=', 2);
                result[parts[0]] = parts[1];
            }
        }

        return result;
    }
}

/// <summary>A Dockerfile read the way BuildKit reads it: comments dropped, backslash continuations joined, stages by FROM.</summary>
internal static class Dockerfile
{
    public static IReadOnlyList<DockerStage> Parse(string text)
    {
        var instructions = new List<DockerInstruction>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var start = i + 1;
            while (line.EndsWith('\\') && i + 1 < lines.Length)
            {
                line = line[..^1].TrimEnd() + " " + lines[++i].Trim();
            }

            var parts = line.Split(' ', 2, StringSplitOptions.TrimEntries);
            instructions.Add(new DockerInstruction(parts[0].ToUpperInvariant(), parts.Length > 1 ? parts[1] : "", start));
        }

        var stages = new List<DockerStage>();
        List<DockerInstruction>? current = null;
        foreach (var instruction in instructions)
        {
            if (instruction.Keyword == "FROM")
            {
                var words = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var name = words.Length >= 3 && words[^2].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[^1] : $"stage{stages.Count}";
                current = [];
                stages.Add(new DockerStage(name, words[0], current));
            }
            else
            {
                current?.Add(instruction);
            }
        }

        return stages;
    }
}
