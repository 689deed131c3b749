using System.Globalization;

namespace GreenGateway.Redis.Connections;

public sealed partial record RedisOptions
{
    /// <summary>
    /// Parses <c>redis://[[user]:password@]host[:port][/db][?protocol=3&amp;name=..&amp;timeout=ms&amp;pool=n]</c>
    /// and <c>rediss://</c> (TLS), the forms of the IANA "redis" URI scheme (www.iana.org/assignments/uri-schemes/prov/redis).
    /// User and password are percent-decoded.
    /// </summary>
    /// <exception cref="FormatException">The string is not such a URI; the message lists every problem.</exception>
    public static RedisOptions Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        if (!Uri.TryCreate(connectionString, UriKind.Absolute, out var uri) || (uri.Scheme != "redis" && uri.Scheme != "rediss"))
        {
            throw new FormatException($"'{Redact(connectionString)}' is not a redis:// or rediss:// URI.");
        }

        string? user = null;
        string? password = null;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                // "redis://secret@host": a lone word is the password, as redis-cli reads it.
                password = Uri.UnescapeDataString(uri.UserInfo);
            }
            else
            {
                user = colon == 0 ? null : Uri.UnescapeDataString(uri.UserInfo[..colon]);
                password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        var db = 0;
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0 && !int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out db))
        {
            throw new FormatException($"database '{path}' in '{Redact(connectionString)}' is not a number.");
        }

        var options = new RedisOptions
        {
            Host = uri.IdnHost.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port,
            User = user,
            Password = password,
            Database = db,
            UseTls = uri.Scheme == "rediss",
        };
        options = ApplyQuery(options, uri.Query, connectionString);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new FormatException($"'{Redact(connectionString)}': {string.Join(" ", errors)}");
        }

        return options;
    }

    private static RedisOptions ApplyQuery(RedisOptions options, string query, string original)
    {
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? pair : pair[..eq];
            var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
            options = key switch
            {
                "protocol" => options with { Protocol = value == "3" ? RespProtocol.Resp3 : RespProtocol.Resp2 },
                "name" => options with { ClientName = value.Length == 0 ? null : value },
                "timeout" => options with { CommandTimeout = TimeSpan.FromMilliseconds(ParseInt(value, key, original)) },
                "connect_timeout" => options with { ConnectTimeout = TimeSpan.FromMilliseconds(ParseInt(value, key, original)) },
                "pool" => options with { PoolSize = ParseInt(value, key, original) },
                _ => throw new FormatException($"unknown option '{key}' in '{Redact(original)}'."),
            };
        }

        return options;
    }

    private static int ParseInt(string value, string key, string original) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException($"option '{key}' in '{Redact(original)}' is not a number.");

    /// <summary>The connection string with its password hidden, for logs and messages.</summary>
    public static string Redact(string connectionString)
    {
        var at = connectionString.LastIndexOf('@');
        var scheme = connectionString.IndexOf("://", StringComparison.Ordinal);
        return at < 0 || scheme < 0 ? connectionString : connectionString[..(scheme + 3)] + "***" + connectionString[at..];
    }
}
