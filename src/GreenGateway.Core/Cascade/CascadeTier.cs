namespace GreenGateway.Core.Cascade;

/// <summary>The tiers of the cascade, cheapest first. A set of them is what a tenant, a request or a budget allows.</summary>
[Flags]
public enum CascadeTier
{
    None = 0,

    /// <summary>T0: regex/heuristic answers that are exactly right when they answer.</summary>
    Rules = 1,

    /// <summary>T1: the semantic cache.</summary>
    Cache = 2,

    /// <summary>T2: the local draft model answers alone when its confidence clears the bar.</summary>
    Draft = 4,

    /// <summary>T3: the draft proposes tokens, the large model verifies them.</summary>
    Speculative = 8,

    /// <summary>T4: the large model alone.</summary>
    Upstream = 16,

    All = Rules | Cache | Draft | Speculative | Upstream,
}

/// <summary>The tiers' names, as in <c>X-GG-Tier</c>, <c>X-GG-Tiers</c> and policy files.</summary>
public static class CascadeTiers
{
    public const string Rules = "rules";
    public const string Cache = "cache";
    public const string Draft = "draft";
    public const string Speculative = "speculative";
    public const string Upstream = "upstream";

    /// <summary>Every tier's name, cheapest first.</summary>
    public static IReadOnlyList<string> Names { get; } = [Rules, Cache, Draft, Speculative, Upstream];

    /// <summary>The tiers below the large model alone: what a spent budget or a joule cap leaves.</summary>
    public const CascadeTier BelowUpstream = CascadeTier.Rules | CascadeTier.Cache | CascadeTier.Draft;

    public static string Name(CascadeTier tier) => tier switch
    {
        CascadeTier.Rules => Rules,
        CascadeTier.Cache => Cache,
        CascadeTier.Draft => Draft,
        CascadeTier.Speculative => Speculative,
        CascadeTier.Upstream => Upstream,
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, "one tier, not a set"),
    };

    public static bool TryParse(ReadOnlySpan<char> name, out CascadeTier tier)
    {
        tier = name.Trim() switch
        {
            var n when n.Equals(Rules, StringComparison.OrdinalIgnoreCase) => CascadeTier.Rules,
            var n when n.Equals(Cache, StringComparison.OrdinalIgnoreCase) => CascadeTier.Cache,
            var n when n.Equals(Draft, StringComparison.OrdinalIgnoreCase) => CascadeTier.Draft,
            var n when n.Equals(Speculative, StringComparison.OrdinalIgnoreCase) => CascadeTier.Speculative,
            var n when n.Equals(Upstream, StringComparison.OrdinalIgnoreCase) => CascadeTier.Upstream,
            _ => CascadeTier.None,
        };
        return tier != CascadeTier.None;
    }

    /// <summary>
    /// Parses a comma-separated list (the <c>X-GG-Tiers</c> header). Unknown names are returned in
    /// <paramref name="unknown"/> so the caller can refuse them with a clear error.
    /// </summary>
    public static CascadeTier ParseList(string? list, out string? unknown)
    {
        unknown = null;
        var set = CascadeTier.None;
        foreach (var part in (list ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (TryParse(part, out var tier))
            {
                set |= tier;
            }
            else
            {
                unknown ??= part;
            }
        }

        return set;
    }

    /// <summary>The names of a set, cheapest first, comma-separated.</summary>
    public static string Format(CascadeTier set)
    {
        var names = new List<string>(5);
        foreach (var tier in (ReadOnlySpan<CascadeTier>)[CascadeTier.Rules, CascadeTier.Cache, CascadeTier.Draft, CascadeTier.Speculative, CascadeTier.Upstream])
        {
            if ((set & tier) != 0)
            {
                names.Add(Name(tier));
            }
        }

        return string.Join(",", names);
    }
}
