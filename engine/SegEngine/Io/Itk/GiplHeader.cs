using System.Buffers.Binary;

namespace SegEngine.Io.Itk;

/// <summary>
/// Parses a GIPL header: 256 big-endian bytes (dims[4] uint16, image_type uint16, pixdim[4] float32, 80 bytes of text,
/// matrix[20] float32, two flags, min/max float64, origin[4] float64, four float32, magic uint32 at 252), voxels after it.
/// Geometry as ITK's GiplImageIO gives it: the dimension counts dims[0..2] that are above 0 and dims[3] when above 1 (so
/// a 2D image written by ITK, dims (x, y, 1, 1), reads back as 3D with one slice); spacing is pixdim (float32),
/// origin the stored doubles, and the direction is always the identity (GIPL has none).
/// </summary>
/// <remarks>
/// Image types as ITK 5.2 reads them: binary (1) and unsigned char (8) as uint8, char (7) as int8, short (15), unsigned
/// short (16), float (64), double (65). ITK 5.2 fails on int (32) and unsigned int (31) ("Pixel Type Unknown" when
/// swapping bytes) and on complex types, so the engine refuses them too.
/// </remarks>
internal static class GiplHeader
{
    public const string FormatName = "GIPL";

    public const int HeaderBytes = 256;

    public const uint Magic = 0xEFFFE9B0;

    public const uint Magic2 = 0x2AE389B8;

    public const ushort TypeUInt8 = 8;

    public const ushort TypeUInt16 = 16;

    public static ItkImageHeader Read(string path)
    {
        Span<byte> b = stackalloc byte[HeaderBytes];
        using (FileStream file = InputFile.OpenRead(path))
        {
            int got = file.ReadAtLeast(b, HeaderBytes, throwOnEndOfStream: false);
            if (got < HeaderBytes)
            {
                throw new ItkFormatException(path, FormatName, "header", $"truncated: {got} bytes, a GIPL header has {HeaderBytes}");
            }
        }

        uint magic = BinaryPrimitives.ReadUInt32BigEndian(b[252..]);
        if (magic is not (Magic or Magic2))
        {
            throw new ItkFormatException(path, FormatName, "magic_number", $"0x{magic:x8} is not a GIPL magic number (0x{Magic:x8}, 0x{Magic2:x8})");
        }

        var dims = new ushort[4];
        int dimension = 0;
        for (int i = 0; i < 4; i++)
        {
            dims[i] = BinaryPrimitives.ReadUInt16BigEndian(b[(2 * i)..]);
            if (dims[i] > (i < 3 ? 0 : 1))
            {
                dimension++;
            }
        }

        ushort imageType = BinaryPrimitives.ReadUInt16BigEndian(b[8..]);
        NiftiDataType type = imageType switch
        {
            1 or 8 => NiftiDataType.UInt8,
            7 => NiftiDataType.Int8,
            15 => NiftiDataType.Int16,
            16 => NiftiDataType.UInt16,
            64 => NiftiDataType.Float32,
            65 => NiftiDataType.Float64,
            _ => throw new ItkFormatException(path, FormatName, "image_type", $"{imageType} is not read (ITK 5.2 reads binary 1, char 7, uchar 8, short 15, ushort 16, float 64, double 65)"),
        };

        var size = new long[dimension];
        var spacing = new double[dimension];
        var origin = new double[dimension];
        for (int i = 0; i < dimension; i++)
        {
            size[i] = dims[i];
            spacing[i] = BinaryPrimitives.ReadSingleBigEndian(b[(10 + (4 * i))..]);
            origin[i] = BinaryPrimitives.ReadDoubleBigEndian(b[(204 + (8 * i))..]);
        }

        var header = new ItkImageHeader(
            path, FormatName, size, spacing, origin, ItkHeaderChecks.Identity(dimension), type, BigEndian: true, path, HeaderBytes, ItkDataEncoding.Raw, -1, 0);
        return ItkHeaderChecks.Checked(header, "dims", "pixdim", "origin", "matrix");
    }
}
