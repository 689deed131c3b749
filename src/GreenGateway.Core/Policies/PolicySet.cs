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

    public PolicySet(IReadOnlyList<TenantPolicy> tenants, IReadOnlyList<string> sources, IReadOnlyList<Rules.PatternRule>? rules = null)
    {
        Rules = rules ?? [];
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

    /// <summary>The files this set was read from.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>Finds the tenant whose key is <paramref name="presentedKey"/>.</summary>
    public bool TryAuthenticate(ReadOnlySpan<char> presentedKey, out TenantPolicy? tenant)
    {
        tenant = null;
        if (presentedKey.IsEmpty || presentedKey.Length > 512)
        {
            return false;
        }

        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(presentedKey.Length)];
        var length = Encoding.UTF8.GetBytes(presentedKey, utf8);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], digest);
        if (!_byKeyHash.TryGetValue(Convert.ToHexString(digest), out var candidate))
        {
            return false;
        }

        foreach (var hash in candidate.KeyHashes)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, digest))
            {
                tenant = candidate;
                return true;
            }
        }

        return false;
    }

    /// <summary>The SHA-256 digest of a key, as policy files hold it: <c>sha256:</c> and 64 lower-case hex digits.</summary>
    public static string HashKey(string key) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
