namespace SegEngine.Io;

/// <summary>
/// A read-only, forward-only view of <paramref name="inner"/> that a decompressor reads through: subclasses say only what
/// <see cref="Read(Span{byte})"/> yields. Disposing it disposes <paramref name="inner"/> unless <paramref name="leaveOpen"/>.
/// </summary>
internal abstract class ForwardReadStream(Stream inner, bool leaveOpen) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>The stream read through.</summary>
    protected Stream Inner => inner;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public abstract override int Read(Span<byte> buffer);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !leaveOpen)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
