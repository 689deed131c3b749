using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using StackExchange.Redis;

namespace GreenGateway.Redis.Connections;

/// <summary>
/// Reads <c>GG_REDIS_URL</c> into StackExchange.Redis's <see cref="ConfigurationOptions"/>. Two forms:
/// <list type="bullet">
/// <item><c>redis://[[user]:password@]host[:port][/db][?protocol=3&amp;name=..&amp;timeout=ms&amp;connect_timeout=ms]</c>
/// and <c>rediss://</c> (TLS), the IANA "redis" URI scheme (www.iana.org/assignments/uri-schemes/prov/redis), as the gateway
/// has always read them;</item>
/// <item>a StackExchange.Redis configuration string (<c>host1:6379,host2:6379,password=..,ssl=true,serviceName=mymaster</c>),
/// so that Sentinel, several cluster seeds, TLS options and ACL users are written as users write them for any .NET client
/// (stackexchange.github.io/StackExchange.Redis/Configuration).</item>
/// </list>
/// Both get the gateway's defaults where the string does not say otherwise: client name "greengateway", no abort when
/// Redis is away at start-up (the client keeps connecting), and commands that fail at once while disconnected
/// (<see cref="BacklogPolicy.FailFast"/>) so that the ledger's fail mode decides, not a queue.
/// </summary>
public static partial class RedisConnectionString
{
    /// <summary>Default client name, seen in CLIENT LIST.</summary>
    public const string DefaultClientName = "greengateway";

    /// <exception cref="FormatException">The string is neither form, or names no endpoint; the message never holds the password.</exception>
    public static ConfigurationOptions Parse(string connectionString) => Parse(connectionString, null);

    /// <summary>As <see cref="Parse(string)"/>, with <paramref name="connectTimeout"/> where the string sets none (<c>connect_timeout</c> / <c>connectTimeout</c>).</summary>
    /// <exception cref="FormatException">The string is neither form, or names no endpoint.</exception>
    public static ConfigurationOptions Parse(string connectionString, TimeSpan? connectTimeout)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var text = connectionString.Trim();
        if (text.Length == 0)
        {
            throw new FormatException("the Redis connection string is empty.");
        }

        var isUri = text.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase);
        var options = isUri ? ParseUri(text) : ParseConfiguration(text);
        var setsConnectTimeout = isUri ? text.Contains("connect_timeout=", StringComparison.Ordinal) : HasKey(text, "connectTimeout");
        if (connectTimeout is { } timeout && !setsConnectTimeout)
        {
            options.ConnectTimeout = (int)timeout.TotalMilliseconds;
        }

        if (options.EndPoints.Count == 0)
        {
            throw new FormatException($"'{Redact(text)}' names no Redis endpoint (host:port).");
        }

        return options;
    }

    /// <summary>True when <paramref name="connectionString"/> parses; otherwise <paramref name="error"/> says why.</summary>
    public static bool TryValidate(string connectionString, out string? error)
    {
        try
        {
            Parse(connectionString);
            error = null;
            return true;
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    private static ConfigurationOptions ParseConfiguration(string text)
    {
        if (text.Contains("://", StringComparison.Ordinal))
        {
            throw new FormatException($"'{Redact(text)}' is neither a redis:// or rediss:// URI nor a StackExchange.Redis configuration string.");
        }

        ConfigurationOptions options;
        try
        {
            // Defaults first, so that what the string says wins: Parse applies the string over the defaults.
            options = ConfigurationOptions.Parse(text);
        }
        catch (ArgumentException ex)
        {
            throw new FormatException($"'{Redact(text)}' is not a valid StackExchange.Redis configuration string: {Redact(ex.Message)}", ex);
        }

        // Options the string did not set take the gateway's defaults (an explicit "abortConnect=true" stays).
        if (!HasKey(text, "abortConnect"))
        {
            options.AbortOnConnectFail = false;
        }

        if (!HasKey(text, "name"))
        {
            options.ClientName = DefaultClientName;
        }

        ApplyDefaults(options);
        return options;
    }

    private static ConfigurationOptions ParseUri(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.IdnHost.Length == 0)
        {
            throw new FormatException($"'{Redact(text)}' is not a valid redis:// or rediss:// URI.");
        }

        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ClientName = DefaultClientName,
            Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase),
        };
        var host = uri.IdnHost.Trim('[', ']');
        var port = uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port;
        options.EndPoints.Add(IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port));
        if (options.Ssl)
        {
            options.SslHost = host;
        }

        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                // "redis://secret@host": a lone word is the password, as redis-cli reads it.
                options.Password = Uri.UnescapeDataString(uri.UserInfo);
            }
            else
            {
                options.User = colon == 0 ? null : Uri.UnescapeDataString(uri.UserInfo[..colon]);
                options.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        var errors = new List<string>();
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            if (int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out var db))
            {
                options.DefaultDatabase = db;
            }
            else
            {
                errors.Add($"database '{path}' is not a number.");
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? pair : pair[..eq];
            var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
            switch (key)
            {
                case "protocol" when value is "2" or "3":
                    options.Protocol = value == "3" ? RedisProtocol.Resp3 : RedisProtocol.Resp2;
                    break;
                case "name":
                    options.ClientName = value.Length == 0 ? null : value;
                    break;
                case "timeout" when Milliseconds(value) is { } timeout:
                    options.AsyncTimeout = timeout;
                    options.SyncTimeout = timeout;
                    break;
                case "connect_timeout" when Milliseconds(value) is { } connect:
                    options.ConnectTimeout = connect;
                    break;
                case "protocol" or "timeout" or "connect_timeout":
                    errors.Add($"option '{key}' has the invalid value '{value}'.");
                    break;
                case "pool":
                    errors.Add("option 'pool' is no longer read: StackExchange.Redis multiplexes every caller over one connection per server; remove it.");
                    break;
                default:
                    errors.Add($"unknown option '{key}' (protocol, name, timeout and connect_timeout are read; use a StackExchange.Redis configuration string for anything else).");
                    break;
            }
        }

        if (errors.Count > 0)
        {
            throw new FormatException($"'{Redact(text)}': {string.Join(" ", errors)}");
        }

        ApplyDefaults(options);
        return options;
    }

    private static void ApplyDefaults(ConfigurationOptions options)
    {
        // While Redis is away a command must fail at once, so that the ledger's fail mode (local slice or 503) applies
        // instead of requests waiting in a backlog for the whole timeout.
        options.BacklogPolicy = BacklogPolicy.FailFast;

        // First retry soon, then back off to 5 s, as the gateway's own client did (ExponentialRetry adds jitter).
        options.ReconnectRetryPolicy = new ExponentialRetry(100, 5000);
    }

    private static int? Milliseconds(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0 ? ms : null;

    private static bool HasKey(string configuration, string key)
    {
        foreach (var part in configuration.Split(','))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && part[..eq].Trim().Equals(key, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The connection string with its passwords hidden, for logs and messages (both forms).</summary>
    public static string Redact(string connectionString)
    {
        var redacted = PasswordOption().Replace(connectionString, "$1***");
        var at = redacted.LastIndexOf('@');
        var scheme = redacted.IndexOf("://", StringComparison.Ordinal);
        return at < 0 || scheme < 0 || at < scheme ? redacted : redacted[..(scheme + 3)] + "***" + redacted[at..];
    }

    [GeneratedRegex("((?:^|,)\\s*(?:password|sentinelPassword)\\s*=)[^,]*", RegexOptions.IgnoreCase)]
    private static partial Regex PasswordOption();
}
