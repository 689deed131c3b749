using System.Reflection;
using System.Text.Json;
using GreenGateway.Configuration;

namespace GreenGateway.Deploy.Tests.Support;

/// <summary>
/// What the gateway really reads: environment variables it looks up by name, and configuration keys
/// (<c>Section__Key</c> in the environment) that bind to a property of <see cref="GatewayConfig"/> under a
/// section that appsettings.json has. A deployment file naming anything else sets nothing.
/// </summary>
internal static class GatewaySettings
{
    /// <summary>Variables the gateway reads directly, by the names its code declares.</summary>
    public static readonly string[] Variables = [GatewayApp.UpstreamUrlVariable, RedisSettings.UrlVariable, "OTEL_EXPORTER_OTLP_ENDPOINT"];

    private static readonly JsonElement AppSettings = JsonDocument.Parse(Repository.Read("appsettings.json")).RootElement;

    /// <summary>The configuration key an environment variable sets (<c>Redis__FailMode</c> → <c>Redis:FailMode</c>).</summary>
    public static string KeyOf(string variable) => variable.Replace("__", ":", StringComparison.Ordinal);

    /// <summary>Null when the gateway reads the variable; else why it does not.</summary>
    public static string? Explain(string variable, IReadOnlyDictionary<string, string> environment)
    {
        if (Variables.Contains(variable, StringComparer.Ordinal))
        {
            return null;
        }

        // The host's own settings: URLS binds Kestrel; DOTNET_ variables tune the runtime.
        if (variable.Equals("URLS", StringComparison.OrdinalIgnoreCase) || variable.StartsWith("DOTNET_", StringComparison.Ordinal))
        {
            return null;
        }

        // A variable named by an ...ApiKeyEnvironmentVariable setting holds that key.
        if (environment.Any(e => e.Key.EndsWith("ApiKeyEnvironmentVariable", StringComparison.Ordinal) && e.Value == variable))
        {
            return null;
        }

        var key = KeyOf(variable);
        var section = key.Split(':')[0];
        if (!AppSettings.EnumerateObject().Any(p => p.Name.Equals(section, StringComparison.OrdinalIgnoreCase)))
        {
            return $"{variable}: appsettings.json has no section '{section}'";
        }

        return Binds(key) ? null : $"{variable}: '{key}' binds to no property of {nameof(GatewayConfig)}";
    }

    /// <summary>Whether a key names a property path of <see cref="GatewayConfig"/> (any name under a dictionary, an index under a list).</summary>
    public static bool Binds(string key)
    {
        var type = typeof(GatewayConfig);
        foreach (var segment in key.Split(':'))
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                type = type.GetGenericArguments()[1];
                continue;
            }

            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
            {
                if (!int.TryParse(segment, out _))
                {
                    return false;
                }

                type = type.GetGenericArguments()[0];
                continue;
            }

            var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite)
            {
                return false;
            }

            type = property.PropertyType;
        }

        return true;
    }
}
