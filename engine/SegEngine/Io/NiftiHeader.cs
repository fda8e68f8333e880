using System.Buffers.Binary;
using System.Text;

namespace SegEngine.Io;

/// <summary>
/// The fields of a NIfTI-1 or NIfTI-2 header that geometry and voxel decoding use, widened to the NIfTI-2 types.
/// <see cref="Parse"/> checks what every reader relies on (magic, sizes, dims, datatype/bitpix, vox_offset);
/// reader-specific rules (pixdim, scaling) live in the readers.
/// </summary>
/// <remarks>Field offsets from nifti1.h / nifti2.h (nnunet-parity.md §10).</remarks>
internal sealed class NiftiHeader
{
    public const int Nifti1HeaderSize = 348;
    public const int Nifti2HeaderSize = 540;

    /// <summary>Bytes to read before the size and byte order are known.</summary>
    internal const int SniffSize = 4;

    private NiftiHeader()
    {
    }

    /// <summary>1 or 2.</summary>
    public int Version { get; private init; }

    public bool IsLittleEndian { get; private init; }

    /// <summary><c>dim[0..7]</c>; <c>dim[0]</c> is the number of dimensions.</summary>
    public long[] Dim { get; private init; } = [];

    /// <summary><c>pixdim[0..7]</c>; <c>pixdim[0]</c> is qfac.</summary>
    public double[] PixDim { get; private init; } = [];

    public NiftiDataType DataType { get; private init; }

    public short BitPix { get; private init; }

    public long VoxOffset { get; private init; }

    public double SclSlope { get; private init; }

    public double SclInter { get; private init; }

    public int QformCode { get; private init; }

    public int SformCode { get; private init; }

    public double QuaternB { get; private init; }

    public double QuaternC { get; private init; }

    public double QuaternD { get; private init; }

    public double QoffsetX { get; private init; }

    public double QoffsetY { get; private init; }

    public double QoffsetZ { get; private init; }

    /// <summary>Rows of the sform affine (<c>srow_x</c>, <c>srow_y</c>, <c>srow_z</c>), 4 values each.</summary>
    public double[][] Srow { get; private init; } = [];

    public int XyztUnits { get; private init; }

    public int IntentCode { get; private init; }

    public double Toffset { get; private init; }

    /// <summary>Number of dimensions, <c>dim[0]</c> (1..7).</summary>
    public int Rank => (int)Dim[0];

    /// <summary>Voxels over dims 1..rank (checked against overflow by <see cref="Parse"/>).</summary>
    public long VoxelCount { get; private init; }

    public int BytesPerVoxel => BitPix / 8;

    public long DataBytes => VoxelCount * BytesPerVoxel;

    /// <summary>Header size for the first 4 bytes of a file, or 0 when <c>sizeof_hdr</c> is neither 348 nor 540 in either byte order.</summary>
    internal static int HeaderSizeFromSniff(ReadOnlySpan<byte> first4)
    {
        int little = BinaryPrimitives.ReadInt32LittleEndian(first4);
        int big = BinaryPrimitives.ReadInt32BigEndian(first4);
        return little is Nifti1HeaderSize or Nifti2HeaderSize ? little
            : big is Nifti1HeaderSize or Nifti2HeaderSize ? big
            : 0;
    }

    /// <summary>Parses and validates a full header (348 or 540 bytes). Throws <see cref="NiftiFormatException"/> naming the field.</summary>
    public static NiftiHeader Parse(ReadOnlySpan<byte> bytes, string path)
    {
        if (bytes.Length < SniffSize)
        {
            throw new NiftiFormatException(path, "sizeof_hdr", $"file holds {bytes.Length} bytes, fewer than the 4 of sizeof_hdr");
        }

        int size = HeaderSizeFromSniff(bytes);
        if (size == 0)
        {
            throw new NiftiFormatException(
                path,
                "sizeof_hdr",
                $"expected 348 (NIfTI-1) or 540 (NIfTI-2) in either byte order, found {BinaryPrimitives.ReadInt32LittleEndian(bytes)}");
        }

        if (bytes.Length < size)
        {
            throw new NiftiFormatException(path, "header", $"truncated: {bytes.Length} of {size} header bytes present");
        }

        bool little = BinaryPrimitives.ReadInt32LittleEndian(bytes) == size;
        var r = new FieldReader(bytes[..size], little);
        return size == Nifti1HeaderSize ? ParseNifti1(r, path) : ParseNifti2(r, path);
    }

    private static NiftiHeader ParseNifti1(FieldReader r, string path)
    {
        ReadOnlySpan<byte> magic = r.Bytes(344, 4);
        if (magic.SequenceEqual("ni1\0"u8))
        {
            throw new NiftiFormatException(path, "magic", "'ni1' marks a .hdr/.img pair; only single-file .nii images are read");
        }

        if (!magic.SequenceEqual("n+1\0"u8))
        {
            throw new NiftiFormatException(path, "magic", $"expected 'n+1\\0' for NIfTI-1, found {Describe(magic)}");
        }

        var dim = new long[8];
        for (int i = 0; i < 8; i++)
        {
            dim[i] = r.Int16(40 + (2 * i));
        }

        var pixdim = new double[8];
        for (int i = 0; i < 8; i++)
        {
            pixdim[i] = r.Single(76 + (4 * i));
        }

        float voxOffset = r.Single(108);
        if (!float.IsFinite(voxOffset) || voxOffset != MathF.Floor(voxOffset) || voxOffset > int.MaxValue)
        {
            throw new NiftiFormatException(path, "vox_offset", $"expected a whole number of bytes, found {voxOffset}");
        }

        return Validate(
            new NiftiHeader
            {
                Version = 1,
                IsLittleEndian = r.Little,
                Dim = dim,
                PixDim = pixdim,
                DataType = (NiftiDataType)r.Int16(70),
                BitPix = r.Int16(72),
                VoxOffset = (long)voxOffset,
                SclSlope = r.Single(112),
                SclInter = r.Single(116),
                XyztUnits = r.Bytes(123, 1)[0],
                Toffset = r.Single(136),
                IntentCode = r.Int16(68),
                QformCode = r.Int16(252),
                SformCode = r.Int16(254),
                QuaternB = r.Single(256),
                QuaternC = r.Single(260),
                QuaternD = r.Single(264),
                QoffsetX = r.Single(268),
                QoffsetY = r.Single(272),
                QoffsetZ = r.Single(276),
                Srow = [r.Singles(280, 4), r.Singles(296, 4), r.Singles(312, 4)],
            },
            path,
            minimumVoxOffset: Nifti1HeaderSize + 4);
    }

    private static NiftiHeader ParseNifti2(FieldReader r, string path)
    {
        ReadOnlySpan<byte> magic = r.Bytes(4, 8);
        if (!magic.SequenceEqual("n+2\0\r\n\u001a\n"u8))
        {
            throw new NiftiFormatException(path, "magic", $"expected 'n+2\\0\\r\\n\\x1a\\n' for a single-file NIfTI-2, found {Describe(magic)}");
        }

        var dim = new long[8];
        for (int i = 0; i < 8; i++)
        {
            dim[i] = r.Int64(16 + (8 * i));
        }

        var pixdim = new double[8];
        for (int i = 0; i < 8; i++)
        {
            pixdim[i] = r.Double(104 + (8 * i));
        }

        return Validate(
            new NiftiHeader
            {
                Version = 2,
                IsLittleEndian = r.Little,
                Dim = dim,
                PixDim = pixdim,
                DataType = (NiftiDataType)r.Int16(12),
                BitPix = r.Int16(14),
                VoxOffset = r.Int64(168),
                SclSlope = r.Double(176),
                SclInter = r.Double(184),
                Toffset = r.Double(216),
                QformCode = r.Int32(344),
                SformCode = r.Int32(348),
                QuaternB = r.Double(352),
                QuaternC = r.Double(360),
                QuaternD = r.Double(368),
                QoffsetX = r.Double(376),
                QoffsetY = r.Double(384),
                QoffsetZ = r.Double(392),
                Srow = [r.Doubles(400, 4), r.Doubles(432, 4), r.Doubles(464, 4)],
                XyztUnits = r.Int32(500),
                IntentCode = r.Int32(504),
            },
            path,
            minimumVoxOffset: Nifti2HeaderSize + 4);
    }

    private static NiftiHeader Validate(NiftiHeader h, string path, long minimumVoxOffset)
    {
        long rank = h.Dim[0];
        if (rank is < 1 or > 7)
        {
            throw new NiftiFormatException(path, "dim[0]", $"expected 1..7 dimensions, found {rank}");
        }

        long voxels = 1;
        for (int i = 1; i <= rank; i++)
        {
            if (h.Dim[i] <= 0)
            {
                throw new NiftiFormatException(path, $"dim[{i}]", $"expected a positive size, found {h.Dim[i]}");
            }

            // The product must stay far below long overflow; no real image has 2^53 voxels.
            if (h.Dim[i] > (1L << 53) / voxels)
            {
                throw new NiftiFormatException(path, $"dim[{i}]", $"the product of dim[1..{rank}] overflows ({string.Join(" x ", h.Dim[1..(int)(rank + 1)])})");
            }

            voxels *= h.Dim[i];
        }

        int bytesPerVoxel = NiftiDataTypes.BytesPerVoxel((short)h.DataType);
        if (bytesPerVoxel == 0)
        {
            throw new NiftiFormatException(
                path,
                "datatype",
                $"datatype {(short)h.DataType} is not supported (expected one of uint8, int8, int16, uint16, int32, uint32, int64, uint64, float32, float64)");
        }

        if (h.BitPix != bytesPerVoxel * 8)
        {
            throw new NiftiFormatException(path, "bitpix", $"datatype {h.DataType} needs bitpix {bytesPerVoxel * 8}, found {h.BitPix}");
        }

        if (h.VoxOffset < minimumVoxOffset)
        {
            throw new NiftiFormatException(path, "vox_offset", $"expected at least {minimumVoxOffset} in a single-file NIfTI-{h.Version}, found {h.VoxOffset}");
        }

        if (voxels > long.MaxValue / 8 / bytesPerVoxel)
        {
            throw new NiftiFormatException(path, "dim", $"{voxels} voxels of {bytesPerVoxel} bytes overflow");
        }

        return new NiftiHeader
        {
            Version = h.Version,
            IsLittleEndian = h.IsLittleEndian,
            Dim = h.Dim,
            PixDim = h.PixDim,
            DataType = h.DataType,
            BitPix = h.BitPix,
            VoxOffset = h.VoxOffset,
            SclSlope = h.SclSlope,
            SclInter = h.SclInter,
            QformCode = h.QformCode,
            SformCode = h.SformCode,
            QuaternB = h.QuaternB,
            QuaternC = h.QuaternC,
            QuaternD = h.QuaternD,
            QoffsetX = h.QoffsetX,
            QoffsetY = h.QoffsetY,
            QoffsetZ = h.QoffsetZ,
            Srow = h.Srow,
            XyztUnits = h.XyztUnits,
            IntentCode = h.IntentCode,
            Toffset = h.Toffset,
            VoxelCount = voxels,
        };
    }

    private static string Describe(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder("'");
        foreach (byte b in bytes)
        {
            text.Append(b is >= 0x20 and < 0x7f ? (char)b : $"\\x{b:x2}");
        }

        return text.Append('\'').ToString();
    }

    private readonly ref struct FieldReader(ReadOnlySpan<byte> bytes, bool little)
    {
        private readonly ReadOnlySpan<byte> bytes = bytes;

        public bool Little { get; } = little;

        public ReadOnlySpan<byte> Bytes(int offset, int count) => bytes.Slice(offset, count);

        public short Int16(int offset) => Little
            ? BinaryPrimitives.ReadInt16LittleEndian(bytes[offset..])
            : BinaryPrimitives.ReadInt16BigEndian(bytes[offset..]);

        public int Int32(int offset) => Little
            ? BinaryPrimitives.ReadInt32LittleEndian(bytes[offset..])
            : BinaryPrimitives.ReadInt32BigEndian(bytes[offset..]);

        public long Int64(int offset) => Little
            ? BinaryPrimitives.ReadInt64LittleEndian(bytes[offset..])
            : BinaryPrimitives.ReadInt64BigEndian(bytes[offset..]);

        public float Single(int offset) => Little
            ? BinaryPrimitives.ReadSingleLittleEndian(bytes[offset..])
            : BinaryPrimitives.ReadSingleBigEndian(bytes[offset..]);

        public double Double(int offset) => Little
            ? BinaryPrimitives.ReadDoubleLittleEndian(bytes[offset..])
            : BinaryPrimitives.ReadDoubleBigEndian(bytes[offset..]);

        public double[] Singles(int offset, int count)
        {
            var values = new double[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = Single(offset + (4 * i));
            }

            return values;
        }

        public double[] Doubles(int offset, int count)
        {
            var values = new double[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = Double(offset + (8 * i));
            }

            return values;
        }
    }
}
