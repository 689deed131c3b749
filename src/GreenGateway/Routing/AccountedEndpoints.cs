using System.Collections.Frozen;
using GreenGateway.Core.Requests;

namespace GreenGateway.Routing;

/// <summary>
/// The endpoints the gateway reads, admits and accounts. Each becomes a YARP route of its own carrying its kind in
/// <see cref="MetadataKey"/>, so that YARP's route match is the gateway's classification: a request the gateway treats
/// as chat completions is exactly one YARP routed to the chat completions route.
/// </summary>
internal static class AccountedEndpoints
{
    /// <summary>The route metadata key holding the endpoint's <see cref="ApiKind"/>.</summary>
    public const string MetadataKey = "gg.api";

    /// <summary>The catch-all route of every other <c>/v1</c> path.</summary>
    public const string PassThroughRouteId = "gg-v1";

    /// <summary>Canonical path (lower case, no trailing slash) and kind of every accounted endpoint.</summary>
    public static IReadOnlyList<(string Path, ApiKind Kind)> All { get; } =
    [
        ("/v1/chat/completions", ApiKind.ChatCompletions),
        ("/v1/completions", ApiKind.Completions),
        ("/v1/embeddings", ApiKind.Embeddings),
        ("/v1/responses", ApiKind.Responses),
    ];

    /// <summary>Stored responses (<c>GET</c> and <c>DELETE /v1/responses/{id}</c>): the gateway's own, never an upstream's.</summary>
    public const string StoredResponsesPrefix = "/v1/responses/";

    private static readonly FrozenDictionary<string, string> Canonical =
        All.ToFrozenDictionary(static e => e.Path, static e => e.Path, StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, ApiKind> KindsByRoute =
        All.ToFrozenDictionary(static e => RouteId(e.Kind), static e => e.Kind, StringComparer.Ordinal);

    public static string RouteId(ApiKind kind) => "gg-" + kind.ToString().ToLowerInvariant();

    /// <summary>The kind of the endpoint a matched route stands for; null for the pass-through route.</summary>
    public static ApiKind? KindOfRoute(string routeId) => KindsByRoute.TryGetValue(routeId, out var kind) ? kind : null;

    /// <summary>Whether <paramref name="path"/> is, or is under, an accounted endpoint (which no pass-through path may be).</summary>
    public static bool IsAccountedPath(string path)
    {
        foreach (var (accounted, _) in All)
        {
            if (new PathString(path).StartsWithSegments(accounted, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The canonical spelling of <paramref name="normalizedPath"/> when it names an accounted endpoint in any case.</summary>
    public static bool TryCanonical(string normalizedPath, out string canonical) => Canonical.TryGetValue(normalizedPath, out canonical!);
}
