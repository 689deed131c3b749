using System.Security.Cryptography;
using System.Text;

namespace GreenGateway.Core.Policies;

/// <summary>
/// All tenants of one consistent load of <c>policies/</c>. Requests hold on to the set they started
/// with, so a reload never changes a request in flight.
/// </summary>
public sealed class PolicySet
{
    // Indexed by the SHA-256 of the key. Looking up a digest leaks nothing useful about the key
    // (an attacker would need a preimage), and the final comparison is constant-time anyway.
    private readonly Dictionary<string, TenantPolicy> _byKeyHash;

    private readonly Dictionary<string, AdminPolicy> _adminsByKeyHash;

    public PolicySet(IReadOnlyList<TenantPolicy> tenants, IReadOnlyList<string> sources, IReadOnlyList<Rules.PatternRule>? rules = null,
        IReadOnlyList<AdminPolicy>? admins = null)
    {
        Rules = rules ?? [];
        Admins = admins ?? [];
        _adminsByKeyHash = new Dictionary<string, AdminPolicy>(StringComparer.Ordinal);
        foreach (var admin in Admins)
        {
            foreach (var hash in admin.KeyHashes)
            {
                _adminsByKeyHash[Convert.ToHexString(hash)] = admin;
            }
        }

        Tenants = tenants.ToDictionary(t => t.Id, StringComparer.Ordinal);
        Sources = sources;
        _byKeyHash = new Dictionary<string, TenantPolicy>(StringComparer.Ordinal);
        foreach (var tenant in tenants)
        {
            foreach (var hash in tenant.KeyHashes)
            {
                _byKeyHash[Convert.ToHexString(hash)] = tenant;
            }
        }
    }

    public static PolicySet Empty { get; } = new([], []);

    public IReadOnlyDictionary<string, TenantPolicy> Tenants { get; }

    /// <summary>Tier-0 rules defined in the policy files (<c>rules:</c>), in file order.</summary>
    public IReadOnlyList<Rules.PatternRule> Rules { get; }

    /// <summary>Operators who see every tenant on the dashboard (<c>admins:</c>).</summary>
    public IReadOnlyList<AdminPolicy> Admins { get; }

    /// <summary>The files this set was read from.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>Finds the tenant whose key is <paramref name="presentedKey"/>.</summary>
    public bool TryAuthenticate(ReadOnlySpan<char> presentedKey, out TenantPolicy? tenant)
    {
        tenant = Find(_byKeyHash, presentedKey, static t => t.KeyHashes);
        return tenant is not null;
    }

    /// <summary>Finds the admin whose key is <paramref name="presentedKey"/>.</summary>
    public bool TryAuthenticateAdmin(ReadOnlySpan<char> presentedKey, out AdminPolicy? admin)
    {
        admin = Find(_adminsByKeyHash, presentedKey, static a => a.KeyHashes);
        return admin is not null;
    }

    private static T? Find<T>(Dictionary<string, T> byHash, ReadOnlySpan<char> presentedKey, Func<T, IReadOnlyList<byte[]>> hashes)
        where T : class
    {
        if (presentedKey.IsEmpty || presentedKey.Length > 512)
        {
            return null;
        }

        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(presentedKey.Length)];
        var length = Encoding.UTF8.GetBytes(presentedKey, utf8);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], digest);
        if (!byHash.TryGetValue(Convert.ToHexString(digest), out var candidate))
        {
            return null;
        }

        foreach (var hash in hashes(candidate))
        {
            if (CryptographicOperations.FixedTimeEquals(hash, digest))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The SHA-256 digest of a key, as policy files hold it: <c>sha256:</c> and 64 lower-case hex digits.</summary>
    public static string HashKey(string key) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
