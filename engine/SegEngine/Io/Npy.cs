using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace SegEngine.Io;

/// <summary>
/// NumPy's <c>.npy</c> format (versions 1–3, little-endian, C order) and <c>.npz</c> archives of such arrays.
/// Used for stage-by-stage comparison with nnU-Net and for the probability export.
/// </summary>
internal static partial class Npy
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static NpyArray Read(string path)
    {
        using FileStream stream = InputFile.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads one named array from an <c>.npz</c> archive (stored or deflated).</summary>
    public static NpyArray ReadFromNpz(string path, string arrayName)
    {
        InputFile.RequireRegular(path);
        using ZipArchive zip = ZipFile.OpenRead(path);
        ZipArchiveEntry entry = zip.GetEntry(arrayName + ".npy")
            ?? throw new SegEngineException(SegErrorCode.InvalidInput, $"{path}: no array named '{arrayName}' in the archive");
        using Stream stream = entry.Open();
        return Read(stream, $"{path}:{arrayName}");
    }

    public static NpyArray Read(Stream stream, string name)
    {
        Span<byte> preamble = stackalloc byte[10];
        ReadExactly(stream, preamble, name, "preamble");
        if (!preamble[..6].SequenceEqual(Magic))
        {
            throw Invalid(name, "missing the \\x93NUMPY magic");
        }

        int major = preamble[6];
        int headerLength;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(preamble[8..]);
        }
        else if (major is 2 or 3)
        {
            Span<byte> rest = stackalloc byte[2];
            ReadExactly(stream, rest, name, "header length");
            long length = BinaryPrimitives.ReadUInt32LittleEndian([preamble[8], preamble[9], rest[0], rest[1]]);
            if (length > 1 << 20)
            {
                throw Invalid(name, $"header length {length} is implausible");
            }

            headerLength = (int)length;
        }
        else
        {
            throw Invalid(name, $"unsupported format version {major}");
        }

        byte[] headerBytes = new byte[headerLength];
        ReadExactly(stream, headerBytes, name, "header");
        string header = Encoding.Latin1.GetString(headerBytes);

        Match descr = DescrPattern().Match(header);
        Match fortran = FortranPattern().Match(header);
        Match shape = ShapePattern().Match(header);
        if (!descr.Success || !fortran.Success || !shape.Success)
        {
            throw Invalid(name, $"unreadable header '{header.Trim()}'");
        }

        NpyType type = NpyTypes.FromDescr(descr.Groups[1].Value)
            ?? throw Invalid(name, $"unsupported dtype '{descr.Groups[1].Value}'");
        if (fortran.Groups[1].Value == "True")
        {
            throw Invalid(name, "Fortran-ordered arrays are not supported");
        }

        string[] parts = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var dims = new long[parts.Length];
        long count = 1;
        for (int i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out dims[i]) || dims[i] < 0)
            {
                throw Invalid(name, $"dimension '{parts[i]}' is not a size");
            }

            // A header cannot overflow the count: any product past long is refused like any other implausible shape.
            count = dims[i] == 0 || count <= long.MaxValue / dims[i] ? count * dims[i] : long.MaxValue;
        }

        long bytes = count <= long.MaxValue / type.Size() ? count * type.Size() : long.MaxValue;
        if (bytes > Array.MaxLength)
        {
            throw Invalid(name, $"{bytes} bytes of data exceed what one array can hold");
        }

        if (stream.CanSeek && stream.Length - stream.Position < bytes)
        {
            throw Invalid(name, $"truncated: the header promises {bytes} bytes, the file holds {stream.Length - stream.Position}");
        }

        byte[] data = new byte[bytes];
        ReadExactly(stream, data, name, "data");
        return new NpyArray(type, dims, data);
    }

    public static void Write<T>(string path, ReadOnlySpan<T> data, ReadOnlySpan<long> shape)
        where T : unmanaged
    {
        using AtomicFile output = AtomicFile.Create(path);
        Write(output.Stream, data, shape);
        output.Commit();
    }

    public static void Write<T>(Stream stream, ReadOnlySpan<T> data, ReadOnlySpan<long> shape)
        where T : unmanaged
    {
        WriteHeader(stream, NpyTypes.Of<T>(), shape);
        stream.Write(MemoryMarshal.AsBytes(data));
    }

    /// <summary>Writes a version-1 header; the data (C order, little-endian) must follow.</summary>
    public static void WriteHeader(Stream stream, NpyType type, ReadOnlySpan<long> shape)
    {
        var dims = new StringBuilder();
        foreach (long d in shape)
        {
            dims.Append(d.ToString(CultureInfo.InvariantCulture)).Append(", ");
        }

        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({dims.ToString().TrimEnd(',', ' ')})";
        string dict = $"{{'descr': '{type.Descr()}', 'fortran_order': False, 'shape': {shapeText}, }}";

        // NumPy pads the header with spaces so that the data starts on a 64-byte boundary.
        int unpadded = Magic.Length + 4 + dict.Length + 1;
        int padding = (64 - (unpadded % 64)) % 64;
        string header = dict + new string(' ', padding) + "\n";
        if (header.Length > ushort.MaxValue)
        {
            throw new ArgumentException("shape too long for a version-1 header", nameof(shape));
        }

        stream.Write(Magic);
        stream.Write([1, 0]);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        stream.Write(length);
        stream.Write(Encoding.Latin1.GetBytes(header));
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string name, string part)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw Invalid(name, $"truncated in the {part}");
        }
    }

    private static SegEngineException Invalid(string name, string problem) =>
        new(SegErrorCode.InvalidInput, $"{name}: not a valid .npy array: {problem}");

    [GeneratedRegex(@"'descr'\s*:\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
