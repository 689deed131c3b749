using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GreenGateway.Core.Cache;
using GreenGateway.Upstreams;

namespace GreenGateway.Cache;

/// <summary>
/// Embeddings from an OpenAI-compatible <c>POST /embeddings</c> (vLLM, TEI, Ollama, OpenAI), the
/// alternative to the built-in embedder where a real embedding model is available. Vectors are
/// L2-normalized so that a dot product is their cosine. Calls ride the upstream's YARP cluster
/// (<see cref="ClusterClient"/>): health checks, load balancing, retries.
/// </summary>
internal sealed class UpstreamEmbedder(ClusterClient cluster, string upstream, string? apiKey, string model, int dimensions, TimeSpan timeout) : IEmbedder
{
    public int Dimensions { get; } = dimensions;

    public string Name { get; } = $"upstream:{model}:{dimensions}";

    public async ValueTask<float[]> EmbedAsync(string text, CancellationToken cancellationToken)
    {
        using var response = await cluster.SendAsync(upstream, destination =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, destination.TrimEnd('/') + "/embeddings")
            {
                Content = JsonContent.Create(new { model, input = text }),
            };
            if (!string.IsNullOrEmpty(apiKey))
            {
                request.Headers.Authorization = new("Bearer", apiKey);
            }

            return request;
        }, timeout, cancellationToken) ?? throw new HttpRequestException($"the upstream '{upstream}' has no destination that answered");
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
        var values = body?["data"]?[0]?["embedding"]?.AsArray()
            ?? throw new InvalidDataException("the embeddings response has no data[0].embedding");
        if (values.Count != Dimensions)
        {
            throw new InvalidDataException($"the embedding model returned {values.Count} dimensions, Cache.EmbeddingDimensions says {Dimensions}");
        }

        var vector = new float[values.Count];
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] = values[i]!.GetValue<float>();
        }

        // Next to an HTTP call, a plain loop is fast enough.
        var sum = 0.0;
        foreach (var x in vector)
        {
            sum += x * x;
        }

        if (sum > 0)
        {
            var scale = (float)(1 / Math.Sqrt(sum));
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] *= scale;
            }
        }

        return vector;
    }
}
