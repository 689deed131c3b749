namespace GreenGateway.Core.Policies;

/// <summary>
/// An operator allowed to see every tenant on the dashboard and the admin API (<c>admins:</c> in a policy file). Admin
/// keys open no <c>/v1</c> endpoint: they are not tenant keys.
/// </summary>
public sealed record AdminPolicy
{
    /// <summary>The admin's id, the key of its entry under <c>admins:</c>. Required.</summary>
    public required string Id { get; init; }

    /// <summary>SHA-256 digests (32 bytes each) of the admin's keys. At least one.</summary>
    public required IReadOnlyList<byte[]> KeyHashes { get; init; }

    /// <summary>Accepted only from a loopback connection (the shipped demo key). Default false.</summary>
    public bool LoopbackOnly { get; init; }
}
