using System.Text;

namespace GreenGateway.Core.Routing;

/// <summary>
/// The router file (<c>.ggrt</c>): magic "GGTR", version 1, the featurizer's hash bits, then the classifier in
/// its own format (<see cref="SoftmaxClassifier.Save"/>, "GGRT", non-zero weights only).
/// </summary>
internal static class TierRouterFile
{
    private const uint Magic = 0x52544747; // "GGTR", little-endian
    private const int Version = 1;

    public static void Write(Stream stream, TierRouter router)
    {
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(router.Featurizer.HashBits);
        }

        router.Classifier.Save(stream);
    }

    public static TierRouter Read(Stream stream)
    {
        int hashBits;
        using (var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true))
        {
            try
            {
                if (reader.ReadUInt32() != Magic || reader.ReadInt32() != Version)
                {
                    throw new InvalidDataException("not a tier router (GGTR version 1)");
                }

                hashBits = reader.ReadInt32();
            }
            catch (EndOfStreamException)
            {
                throw new InvalidDataException("not a tier router (GGTR version 1): the file is too short");
            }
        }

        if (hashBits is < 8 or > 24)
        {
            throw new InvalidDataException($"tier router: implausible hash bits {hashBits}");
        }

        try
        {
            return new TierRouter(new TextFeaturizer(hashBits), SoftmaxClassifier.Load(stream));
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException)
        {
            throw new InvalidDataException("tier router: " + e.Message, e);
        }
    }
}
