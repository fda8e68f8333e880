namespace SegEngine.Io.Itk;

/// <summary>A read-only view of the next <c>length</c> bytes of a stream (MetaImage's <c>CompressedDataSize</c>), so that a decompressor never reads past them.</summary>
internal sealed class BoundedStream(Stream inner, long length) : ForwardReadStream(inner, leaveOpen: true)
{
    private long remaining = length;

    public override int Read(Span<byte> buffer)
    {
        if (remaining <= 0)
        {
            return 0;
        }

        int got = Inner.Read(buffer[..(int)Math.Min(buffer.Length, remaining)]);
        remaining -= got;
        return got;
    }
}
