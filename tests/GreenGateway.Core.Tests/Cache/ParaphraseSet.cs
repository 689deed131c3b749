using System.Globalization;

namespace GreenGateway.Core.Cache.Tests;

/// <summary>The shipped paraphrase set (tests/GreenGateway.Redis.Tests/TestData/paraphrases.tsv), found from the repository root.</summary>
internal static class ParaphraseSet
{
    public static IReadOnlyList<(bool Same, string A, string B)> Load()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GreenGateway.sln")))
        {
            directory = directory.Parent;
        }

        var path = Path.Combine(directory?.FullName ?? throw new FileNotFoundException("repository root not found"), "tests", "GreenGateway.Redis.Tests", "TestData", "paraphrases.tsv");
        var pairs = new List<(bool, string, string)>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var parts = line.Split('\t');
            pairs.Add((parts[0] == "1", parts[1], parts[2]));
        }

        return pairs;
    }

    /// <summary>Share of same-meaning pairs at or above the threshold (hits) and of different-meaning ones (false hits).</summary>
    public static (double HitRate, double FalseHitRate) Rates(IReadOnlyList<(bool Same, double Similarity)> scored, double threshold)
    {
        int same = 0, different = 0, hits = 0, falseHits = 0;
        foreach (var (isSame, similarity) in scored)
        {
            if (isSame)
            {
                same++;
                hits += similarity >= threshold ? 1 : 0;
            }
            else
            {
                different++;
                falseHits += similarity >= threshold ? 1 : 0;
            }
        }

        return ((double)hits / same, (double)falseHits / different);
    }

    public static string Percent(double rate) => (rate * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";
}
