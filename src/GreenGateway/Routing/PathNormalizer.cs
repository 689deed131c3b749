using System.Text;

namespace GreenGateway.Routing;

/// <summary>
/// Spells every request path one way before authentication and routing see it, so that no spelling of an accounted
/// endpoint reaches an upstream unaccounted: escaped and back slashes become slashes, repeated slashes one, dot
/// segments are resolved, a trailing slash goes, the <c>/v1</c> prefix is lower case, and an accounted endpoint in any
/// case becomes its canonical path. Other paths keep the case of their other segments (upstream ids are case-sensitive).
/// Kestrel has already decoded every escape but <c>%2F</c> and removed plain dot segments.
/// </summary>
internal static class PathNormalizer
{
    public static string Normalize(string path)
    {
        if (IsPlain(path))
        {
            return AccountedEndpoints.TryCanonical(path, out var fast) ? fast : path;
        }

        var decoded = path.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase).Replace("%5C", "/", StringComparison.OrdinalIgnoreCase).Replace('\\', '/');
        var segments = new List<string>();
        foreach (var segment in decoded.Split('/'))
        {
            switch (segment)
            {
                case "" or ".":
                    continue;
                case "..":
                    if (segments.Count > 0)
                    {
                        segments.RemoveAt(segments.Count - 1);
                    }

                    continue;
                default:
                    segments.Add(segment);
                    continue;
            }
        }

        if (segments.Count > 0 && string.Equals(segments[0], "v1", StringComparison.OrdinalIgnoreCase))
        {
            segments[0] = "v1";
        }

        var normalized = new StringBuilder(decoded.Length + 1);
        foreach (var segment in segments)
        {
            normalized.Append('/').Append(segment);
        }

        var result = normalized.Length == 0 ? "/" : normalized.ToString();
        return AccountedEndpoints.TryCanonical(result, out var canonical) ? canonical : result;
    }

    /// <summary>
    /// The common case, checked without allocating: starts with <c>/v1/</c> or is not under /v1 at all in any case, and
    /// has no escape, back slash, repeated slash, dot segment or trailing slash.
    /// </summary>
    private static bool IsPlain(string path)
    {
        if (path.Length < 2 || path[0] != '/' || path[^1] == '/' || path.Contains("//", StringComparison.Ordinal) || path.Contains('%') || path.Contains('\\')
            || path.Contains("/.", StringComparison.Ordinal))
        {
            return false;
        }

        // "/V1/..." needs its prefix lowered.
        return !path.StartsWith("/v1", StringComparison.OrdinalIgnoreCase) || path.StartsWith("/v1", StringComparison.Ordinal);
    }
}

/// <summary>Rewrites <c>Request.Path</c> to its normal spelling (<see cref="PathNormalizer"/>) first thing.</summary>
internal sealed class PathNormalizationMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var normalized = PathNormalizer.Normalize(path);
        if (!ReferenceEquals(normalized, path) && normalized != path)
        {
            context.Request.Path = new PathString(normalized);
        }

        return next(context);
    }
}
