using System.Collections.Concurrent;
using GreenGateway.Configuration;
using GreenGateway.Core.Requests;
using Microsoft.Extensions.Options;

namespace GreenGateway.Upstreams;

/// <summary>
/// Which models exist and where they are served: configured aliases first, then the models each
/// upstream reports on <c>GET /models</c> (<see cref="ModelDiscovery"/>), then a catch-all upstream.
/// </summary>
internal sealed class ModelCatalog
{
    private readonly GatewayConfig _config;
    private readonly ConcurrentDictionary<string, string> _discovered = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _unreachable = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlyCollection<string>> _served = new(StringComparer.Ordinal);

    public ModelCatalog(IOptions<GatewayConfig> config)
    {
        _config = config.Value;
    }

    /// <summary>Finds where <paramref name="model"/> is served.</summary>
    public bool TryResolve(string model, out ModelRoute? route)
    {
        if (_config.Models.TryGetValue(model, out var alias))
        {
            route = Build(model, alias.Upstream, alias.UpstreamModel ?? model, alias.EnergyProfile);
            return true;
        }

        if (_discovered.TryGetValue(model, out var upstream))
        {
            route = Build(model, upstream, model, null);
            return true;
        }

        foreach (var (name, options) in _config.Upstreams)
        {
            if (options.AcceptAnyModel)
            {
                route = Build(model, name, model, null);
                return true;
            }
        }

        route = null;
        return false;
    }

    /// <summary>
    /// Every route to <paramref name="model"/>: its own (<see cref="TryResolve"/>), then each other upstream that serves the
    /// same upstream model (it listed it, or takes any model), each in its upstream's region. Batches go to the cleanest.
    /// </summary>
    public IReadOnlyList<ModelRoute> RoutesIn(string model)
    {
        var routes = new List<ModelRoute>();
        if (!TryResolve(model, out var home))
        {
            return routes;
        }

        routes.Add(home!);
        foreach (var (name, options) in _config.Upstreams.OrderBy(u => u.Key, StringComparer.Ordinal))
        {
            if (name == home!.Upstream)
            {
                continue;
            }

            if (options.AcceptAnyModel || (_served.TryGetValue(name, out var served) && served.Contains(home.UpstreamModel)))
            {
                routes.Add(Build(model, name, home.UpstreamModel, null));
            }
        }

        return routes;
    }

    /// <summary>The route to <paramref name="model"/> in <paramref name="region"/>, if an upstream there serves it.</summary>
    public bool TryResolveIn(string model, string region, out ModelRoute? route)
    {
        foreach (var candidate in RoutesIn(model))
        {
            if (string.Equals(candidate.Region, region, StringComparison.OrdinalIgnoreCase))
            {
                route = candidate;
                return true;
            }
        }

        route = null;
        return false;
    }

    /// <summary>Every model a client can ask for, with the upstream serving it.</summary>
    public IReadOnlyList<(string Model, string Upstream)> List()
    {
        var models = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (model, upstream) in _discovered)
        {
            models[model] = upstream;
        }

        foreach (var (model, alias) in _config.Models)
        {
            models[model] = alias.Upstream;
        }

        return models.Select(kv => (kv.Key, kv.Value)).ToList();
    }

    /// <summary>Replaces what <paramref name="upstream"/> is known to serve.</summary>
    public void SetDiscovered(string upstream, IReadOnlyCollection<string> models)
    {
        _unreachable.TryRemove(upstream, out _);
        _served[upstream] = models.ToHashSet(StringComparer.Ordinal);
        foreach (var (model, owner) in _discovered)
        {
            if (owner == upstream && !models.Contains(model))
            {
                _discovered.TryRemove(model, out _);
            }
        }

        foreach (var model in models)
        {
            _discovered.TryAdd(model, upstream);
        }
    }

    public void SetUnreachable(string upstream, string reason) => _unreachable[upstream] = reason;

    /// <summary>An upstream whose models could not be listed, with the reason: a model unknown now may be served there.</summary>
    public (string Upstream, string Reason)? FirstUnreachable()
    {
        foreach (var (upstream, reason) in _unreachable)
        {
            return (upstream, reason);
        }

        return null;
    }

    private ModelRoute Build(string model, string upstream, string upstreamModel, string? profileName)
    {
        var upstreamOptions = _config.Upstreams[upstream];
        var name = profileName ?? upstreamOptions.EnergyProfile ?? _config.Energy.DefaultProfile;
        var region = upstreamOptions.Region ?? _config.Carbon.Region;
        return new ModelRoute(model, upstream, upstreamModel, name, _config.Energy.Profiles[name], region);
    }
}
