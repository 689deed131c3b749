namespace GreenGateway.Core.Cache;

/// <summary>Turns text into a unit-length vector whose dot product with another approximates their similarity.</summary>
public interface IEmbedder
{
    /// <summary>Length of every vector this embedder returns.</summary>
    int Dimensions { get; }

    /// <summary>A stable name (algorithm and dimensions) stored with entries, so that vectors of different embedders are never compared.</summary>
    string Name { get; }

    /// <summary>Embeds <paramref name="text"/>; the result has <see cref="Dimensions"/> elements and L2 norm 1 (or is all zeros for empty text).</summary>
    ValueTask<float[]> EmbedAsync(string text, CancellationToken cancellationToken);
}
