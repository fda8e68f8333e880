using System.IO.Compression;

namespace SegEngine.Io;

/// <summary>
/// The compressed bytes of a gzip file for <see cref="GZipStream"/> to decode, followed, once <see cref="Arm"/> is called,
/// by one small complete gzip member of its own. Decoding that member proves the file's last member ended with a
/// complete trailer whose CRC-32 and size matched.
/// </summary>
/// <remarks>
/// .NET's gzip decoder checks the CRC-32 and ISIZE of every member whose trailer it reads and decodes concatenated members,
/// but a stream that ends inside its last trailer (or before it) simply ends: nothing says the trailer was missing. Given
/// more input after such an end, the decoder takes it as the missing trailer bytes and the check fails; after a complete
/// member it starts a new member and yields <see cref="Payload"/> (or, when bytes that are not a gzip member follow the
/// last member, ignores them and the probe alike, yielding nothing). Until armed the probe ends where the file ends, so the
/// header and data are read exactly as from the file alone.
/// </remarks>
internal sealed class GzipEndProbe(Stream file) : ForwardReadStream(file, leaveOpen: false)
{
    private static readonly byte[] Member = Compress(Payload);

    private bool armed;

    private int served;

    /// <summary>What the probe's own member decompresses to.</summary>
    public static ReadOnlySpan<byte> Payload => "SegEngine gzip end probe"u8;

    /// <summary>From now on the file's end is followed by the probe's member.</summary>
    public void Arm() => armed = true;

    public override int Read(Span<byte> buffer)
    {
        int got = Inner.Read(buffer);
        if (got > 0 || !armed || buffer.IsEmpty)
        {
            return got;
        }

        int count = Math.Min(buffer.Length, Member.Length - served);
        Member.AsSpan(served, count).CopyTo(buffer);
        served += count;
        return count;
    }

    private static byte[] Compress(ReadOnlySpan<byte> payload)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(payload);
        }

        return memory.ToArray();
    }
}
