using System.Buffers;
using System.Text.Json;
using GreenGateway.Accounting;
using GreenGateway.Core.Energy;

namespace GreenGateway.Proxy;

internal static partial class GatewayResponseTransform
{
    /// <summary>What one forward pass over an upstream's JSON body found (<see cref="LocateUsage"/>).</summary>
    internal enum UsageSiteKind
    {
        /// <summary>Not a JSON object (or not JSON): relayed as sent.</summary>
        NotAnObject,

        /// <summary>A <c>usage</c> object: the figures go before its closing brace.</summary>
        IntoUsage,

        /// <summary>A <c>usage</c> that is not an object (null, say): its value is replaced by a whole usage object.</summary>
        ReplaceUsage,

        /// <summary>No <c>usage</c>: a whole usage object is added before the body's closing brace.</summary>
        AppendUsage,

        /// <summary>Something the splice does not handle (the figures are there already, <c>usage</c> twice): parse and rewrite.</summary>
        Rewrite,
    }

    /// <summary>Where the figures go: bytes [<paramref name="Start"/>, <paramref name="End"/>) of the body are replaced
    /// (an empty range inserts), with a comma first when the object already has members.</summary>
    /// <param name="HasAnswer">The object has a top-level <c>choices</c> or <c>data</c> array: an endpoint's answer, not some other JSON.</param>
    internal readonly record struct UsageSite(UsageSiteKind Kind, int Start = 0, int End = 0, bool Comma = false, TokenUsage? Reported = null, bool HasAnswer = false);

    /// <summary>
    /// Finds where the usage figures go with one Utf8JsonReader pass and no allocation, so that the upstream's
    /// bytes are relayed as sent with only the figures spliced in: no JsonNode tree, no re-serialization.
    /// Same acceptance as <c>JsonNode.Parse</c>'s defaults (no comments, no trailing commas, depth 64).
    /// </summary>
    internal static UsageSite LocateUsage(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return new UsageSite(UsageSiteKind.NotAnObject);
            }

            var members = 0;
            var answer = false;
            UsageSite? site = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                members++;
                var isUsage = reader.ValueTextEquals("usage"u8);
                var isAnswer = reader.ValueTextEquals("choices"u8) || reader.ValueTextEquals("data"u8);
                reader.Read();
                if (!isUsage)
                {
                    answer |= isAnswer && reader.TokenType == JsonTokenType.StartArray;
                    reader.Skip();
                    continue;
                }

                if (site is not null)
                {
                    site = new UsageSite(UsageSiteKind.Rewrite);
                    reader.Skip();
                    continue;
                }

                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    site = new UsageSite(UsageSiteKind.ReplaceUsage, start, (int)reader.BytesConsumed);
                    continue;
                }

                site = TryScanUsage(ref reader, out var usageSite) ? usageSite : new UsageSite(UsageSiteKind.Rewrite);
            }

            var end = (int)reader.TokenStartIndex;
            if (reader.Read())
            {
                return new UsageSite(UsageSiteKind.NotAnObject); // a second value after the object
            }

            return (site ?? new UsageSite(UsageSiteKind.AppendUsage, end, end, members > 0)) with { HasAnswer = answer };
        }
        catch (JsonException)
        {
            // Not JSON after all: relayed as sent, priced from counted tokens.
            return new UsageSite(UsageSiteKind.NotAnObject);
        }
    }

    /// <summary>Reads a usage object's token counts; false when it already holds one of the gateway's figures.</summary>
    private static bool TryScanUsage(ref Utf8JsonReader reader, out UsageSite site)
    {
        int? prompt = null;
        var completion = 0;
        var members = 0;
        var clean = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            members++;
            var field = reader.ValueTextEquals("prompt_tokens"u8) ? 1 : reader.ValueTextEquals("completion_tokens"u8) ? 2 : 0;
            clean &= !Answers.FigureFormat.IsFigureName(ref reader);
            reader.Read();
            if (reader.TokenType == JsonTokenType.Number && field != 0 && reader.TryGetInt32(out var count))
            {
                if (field == 1)
                {
                    prompt = count;
                }
                else
                {
                    completion = count;
                }
            }

            reader.Skip();
        }

        var at = (int)reader.TokenStartIndex;
        TokenUsage? reported = prompt is { } p ? new TokenUsage(p, completion, Counted: false) : null;
        site = new UsageSite(UsageSiteKind.IntoUsage, at, at, members > 0, reported);
        return clean;
    }

    /// <summary>
    /// Sends the body with the figures spliced in at <paramref name="site"/>: Content-Length first, then the
    /// upstream's bytes around the figures, into the response's pipe (flushed by the caller).
    /// </summary>
    private static void WriteSpliced(HttpResponse response, ReadOnlySpan<byte> body, UsageSite site, RequestFigures figures)
    {
        var middle = FormatFigures(site, figures, out var prefix);
        response.ContentLength = site.Start + prefix.Length + middle.Length + (body.Length - site.End);

        // The first write to the pipe sends the headers: everything above must be set by now.
        Write(response.BodyWriter, body, site, prefix, middle);
    }

    /// <summary>Writes <paramref name="body"/> with the figures spliced in at <paramref name="site"/> (a stream's usage chunk).</summary>
    private static void WriteSpliced(IBufferWriter<byte> output, ReadOnlySpan<byte> body, UsageSite site, RequestFigures figures)
    {
        var middle = FormatFigures(site, figures, out var prefix);
        Write(output, body, site, prefix, middle);
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> body, UsageSite site, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> middle)
    {
        output.Write(body[..site.Start]);
        output.Write(prefix);
        output.Write(middle);
        output.Write(body[site.End..]);
    }

    /// <summary>
    /// The bytes that go at <paramref name="site"/> (valid until the thread's next call): the figures, inside a
    /// usage object of their own unless they go into the upstream's, after <paramref name="prefix"/> (a comma, a
    /// property name or nothing). Written by Utf8JsonWriter, so numbers read exactly as a JsonNode rewrite writes them.
    /// </summary>
    internal static ReadOnlySpan<byte> FormatFigures(UsageSite site, RequestFigures figures, out ReadOnlySpan<byte> prefix)
    {
        var inserted = _figureBuffer ??= new ArrayBufferWriter<byte>(256);
        inserted.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(inserted))
        {
            writer.WriteStartObject();
            Answers.FigureFormat.WriteUsageMembers(writer, figures, Core.Cascade.CascadeTiers.Upstream, withTokens: site.Kind != UsageSiteKind.IntoUsage);
            writer.WriteEndObject();
        }

        prefix = site.Kind == UsageSiteKind.AppendUsage ? (site.Comma ? ",\"usage\":"u8 : "\"usage\":"u8) : site.Comma ? ","u8 : [];
        return site.Kind == UsageSiteKind.IntoUsage ? inserted.WrittenSpan[1..^1] : inserted.WrittenSpan;
    }

    /// <summary>Scratch for the figures' bytes, used synchronously within <see cref="WriteSpliced"/>.</summary>
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _figureBuffer;
}
