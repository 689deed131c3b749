using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using GreenGateway.Core.Cache;

namespace GreenGateway.Redis.Cache;

/// <summary>An entry as kept in its Redis hash: field <c>a</c> holds this as JSON, field <c>v</c> the vector as little-endian float32.</summary>
/// <param name="Prompt">The prompt answered, for the lexical guard; null in entries stored before it was kept.</param>
internal sealed record StoredEntry(string PromptHash, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, CachedAnswer Answer, string? Prompt = null)
{
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, CacheJsonContext.Default.StoredEntry);

    public static StoredEntry? FromJson(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, CacheJsonContext.Default.StoredEntry);

    /// <summary>float32 little-endian, the FP32 blob form VADD and VSIM take (redis.io/docs/latest/commands/vadd).</summary>
    public static byte[] VectorBytes(float[] vector) => BitConverter.IsLittleEndian
        ? MemoryMarshal.AsBytes(vector.AsSpan()).ToArray()
        : throw new PlatformNotSupportedException("vector blobs are little-endian");

    public static float[] VectorFromBytes(ReadOnlySpan<byte> bytes) => MemoryMarshal.Cast<byte, float>(bytes).ToArray();
}

[JsonSerializable(typeof(StoredEntry))]
internal sealed partial class CacheJsonContext : JsonSerializerContext;
