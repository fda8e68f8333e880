namespace SegEngine.Io.Itk;

/// <summary>A read-only view of the next <c>length</c> bytes of a stream (MetaImage's <c>CompressedDataSize</c>), so that a decompressor never reads past them.</summary>
internal sealed class BoundedStream(Stream inner, long length) : Stream
{
    private long remaining = length;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (remaining <= 0)
        {
            return 0;
        }

        int got = inner.Read(buffer[..(int)Math.Min(buffer.Length, remaining)]);
        remaining -= got;
        return got;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
