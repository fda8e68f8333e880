using System.Text;

namespace SegEngine.Io.Itk;

/// <summary>
/// Reads a text header line by line from the start of a file, never more than <see cref="MaxHeaderBytes"/>, and knows the
/// byte offset after each line (where attached voxels begin). Lines end with LF; a CR before it is dropped.
/// </summary>
internal sealed class HeaderLines
{
    /// <summary>Real headers are a few hundred bytes; anything longer is not a header (or hides a huge allocation).</summary>
    public const int MaxHeaderBytes = 1 << 20;

    private readonly Stream stream;
    private readonly string path;
    private readonly string format;
    private readonly List<byte> line = new(128);

    public HeaderLines(Stream stream, string path, string format)
    {
        this.stream = stream;
        this.path = path;
        this.format = format;
    }

    /// <summary>Bytes consumed so far: the offset just after the last line returned.</summary>
    public long Position { get; private set; }

    /// <summary>The next line without its terminator, or null at the end of the file.</summary>
    public string? Next()
    {
        line.Clear();
        while (true)
        {
            int b = stream.ReadByte();
            if (b < 0)
            {
                return line.Count == 0 ? null : Decode();
            }

            Position++;
            if (Position > MaxHeaderBytes)
            {
                throw new ItkFormatException(path, format, "header", $"no end of the header within its first {MaxHeaderBytes} bytes");
            }

            if (b == '\n')
            {
                return Decode();
            }

            line.Add((byte)b);
        }
    }

    private string Decode()
    {
        int count = line.Count > 0 && line[^1] == '\r' ? line.Count - 1 : line.Count;
        return Encoding.Latin1.GetString(line.GetRange(0, count).ToArray());
    }
}
