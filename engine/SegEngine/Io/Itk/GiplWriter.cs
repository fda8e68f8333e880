using System.Buffers.Binary;

namespace SegEngine.Io.Itk;

/// <summary>
/// Writes a segmentation as ITK's GiplImageIO does for a <c>.gipl</c> name (uncompressed: ITK compresses only
/// <c>.gipl.gz</c>, whatever useCompression says): the 256-byte big-endian header with dims padded by 1, pixdim as float32
/// (1 for missing axes), "No Patient Information", the origin as doubles, magic 0xEFFFE9B0, then big-endian voxels. GIPL
/// has no direction, so an oblique input's direction is lost, as with ITK.
/// </summary>
internal static class GiplWriter
{
    public static void Write(string path, ItkSegmentationLayout layout, ReadOnlySpan<byte> littleEndianVoxels)
    {
        byte[] header = Header(layout);
        byte[] voxels = littleEndianVoxels.ToArray();
        if (layout.Wide)
        {
            var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(voxels.AsSpan());
            if (BitConverter.IsLittleEndian)
            {
                BinaryPrimitives.ReverseEndianness(words, words);
            }
        }

        ItkSegmentationFile.WriteAtomically(path, stream =>
        {
            stream.Write(header);
            stream.Write(voxels);
        });
    }

    internal static byte[] Header(ItkSegmentationLayout layout)
    {
        var b = new byte[GiplHeader.HeaderBytes];
        int d = layout.Dimension;
        for (int i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2 * i), i < d ? checked((ushort)layout.Size[i]) : (ushort)1);
            BinaryPrimitives.WriteSingleBigEndian(b.AsSpan(10 + (4 * i)), i < d ? (float)layout.Spacing[i] : 1f);
            BinaryPrimitives.WriteDoubleBigEndian(b.AsSpan(204 + (8 * i)), i < d ? layout.Origin[i] : 0);
        }

        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(8), layout.Wide ? GiplHeader.TypeUInt16 : GiplHeader.TypeUInt8);
        "No Patient Information"u8.CopyTo(b.AsSpan(26));
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(252), GiplHeader.Magic);
        return b;
    }
}
