namespace GreenGateway.Core.Routing;

/// <summary>A sparse feature vector: sorted, distinct indices and their values.</summary>
public sealed record SparseVector(int[] Indices, float[] Values)
{
    public int Count => Indices.Length;
}
