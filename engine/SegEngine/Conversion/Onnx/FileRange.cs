namespace SegEngine.Conversion.Onnx;

/// <summary>Bytes <c>[Start, Start + Length)</c> of the source file, copied unchanged into the rewritten one.</summary>
internal readonly record struct FileRange(long Start, long Length)
{
    public void CopyTo(Stream source, Stream destination, byte[] buffer)
    {
        source.Position = Start;
        long left = Length;
        while (left > 0)
        {
            int read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0)
            {
                throw new EndOfStreamException($"the file ended {left} bytes before the end of a field");
            }

            destination.Write(buffer, 0, read);
            left -= read;
        }
    }
}
