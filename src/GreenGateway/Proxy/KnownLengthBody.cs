namespace GreenGateway.Proxy;

/// <summary>
/// Reads a body whose length is known in advance (Kestrel and HttpClient hold the other side to its
/// Content-Length) into one array of exactly that size: no growing buffer, no final copy.
/// </summary>
internal static class KnownLengthBody
{
    /// <param name="beforeRead">Called before each read for the token to read with (where an idle timeout is re-armed).</param>
    public static async Task<byte[]> ReadAsync(Stream stream, long length, Func<CancellationToken> beforeRead)
    {
        var exact = new byte[length];
        var filled = 0;
        while (filled < exact.Length)
        {
            var read = await stream.ReadAsync(exact.AsMemory(filled), beforeRead());
            if (read == 0)
            {
                return exact[..filled];
            }

            filled += read;
        }

        return exact;
    }
}
