using System.Buffers.Binary;

namespace SegEngine.Io;

/// <summary>
/// The compressed bytes of a zlib stream for <see cref="System.IO.Compression.ZLibStream"/> to decode, followed at their
/// end by bytes that cannot end it cleanly: first a byte that is none of the four bytes of the Adler-32 of everything
/// decoded so far, then 0xFF for as long as the decoder asks. A complete stream never takes them (its decoder has finished).
/// </summary>
/// <remarks>
/// .NET's zlib decoder checks the trailer it reads, but a stream that ends inside it (or before it) simply ends. It asks
/// for more input only when it has no output left to give, so by then every decoded byte has passed through the reader's
/// checksum (<paramref name="decodedChecksum"/>). A trailer cut short by any number of bytes takes the wrong byte where its
/// first missing byte belongs and fails its check. A stream cut inside its deflate data goes on decoding the 0xFF bytes:
/// they cannot form a block header (BTYPE 11 is reserved), so they end in an error or in decoded bytes, which the reader
/// refuses past its tolerated tail; a trailer read from them would end in 0xFFFF, which no Adler-32 low half reaches
/// (it is below 65521), so no cut stream can end cleanly.
/// </remarks>
internal sealed class ZlibEndProbe(Stream compressed, Func<uint> decodedChecksum) : ForwardReadStream(compressed, leaveOpen: false)
{
    private bool started;

    public override int Read(Span<byte> buffer)
    {
        int got = Inner.Read(buffer);
        if (got > 0 || buffer.IsEmpty)
        {
            return got;
        }

        buffer.Fill(0xFF);
        if (!started)
        {
            Span<byte> trailer = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(trailer, decodedChecksum());
            byte first = 0;
            while (trailer.Contains(first))
            {
                first++;
            }

            buffer[0] = first;
            started = true;
        }

        return buffer.Length;
    }
}
