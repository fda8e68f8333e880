using System.IO.Compression;
using System.Text;

namespace SegEngine.Io.Itk;

/// <summary>
/// Writes a segmentation as ITK's MetaImageIO does under SimpleITK's <c>WriteImage(image, path, useCompression=True)</c>:
/// the same header lines in the same order (TransformMatrix column by column, numbers as <c>%.17g</c>, a 3D image's
/// AnatomicalOrientation from its direction, a 2D image's <c>??</c> after DimSize), then the voxels as one zlib stream.
/// </summary>
internal static class MetaImageWriter
{
    public static void Write(string path, ItkSegmentationLayout layout, ReadOnlySpan<byte> voxels)
    {
        byte[] compressed = Compress(voxels);
        byte[] header = Encoding.ASCII.GetBytes(Header(layout, compressed.Length));
        ItkSegmentationFile.WriteAtomically(path, stream =>
        {
            stream.Write(header);
            stream.Write(compressed);
        });
    }

    internal static string Header(ItkSegmentationLayout layout, long compressedBytes)
    {
        int d = layout.Dimension;
        var matrix = new double[d * d];
        for (int column = 0; column < d; column++)
        {
            for (int row = 0; row < d; row++)
            {
                matrix[(column * d) + row] = layout.Direction[(row * d) + column];
            }
        }

        var text = new StringBuilder();
        text.Append("ObjectType = Image\n");
        text.Append($"NDims = {d}\n");
        text.Append("BinaryData = True\n");
        text.Append("BinaryDataByteOrderMSB = False\n");
        text.Append("CompressedData = True\n");
        text.Append($"CompressedDataSize = {compressedBytes}\n");
        text.Append($"TransformMatrix = {Numbers(matrix)}\n");
        text.Append($"Offset = {Numbers(layout.Origin)}\n");
        text.Append($"CenterOfRotation = {Numbers(new double[d])}\n");
        if (d == 3)
        {
            text.Append($"AnatomicalOrientation = {AnatomicalOrientation.Of(layout.Direction)}\n");
        }

        text.Append($"ElementSpacing = {Numbers(layout.Spacing)}\n");
        text.Append($"DimSize = {string.Join(' ', layout.Size)}\n");
        if (d == 2)
        {
            text.Append("AnatomicalOrientation = ??\n");
        }

        text.Append($"ElementType = {(layout.Wide ? "MET_USHORT" : "MET_UCHAR")}\n");
        text.Append("ElementDataFile = LOCAL\n");
        return text.ToString();
    }

    private static string Numbers(IEnumerable<double> values) => string.Join(' ', values.Select(CNumber.G17));

    private static byte[] Compress(ReadOnlySpan<byte> voxels)
    {
        using var buffer = new MemoryStream();
        using (var zlib = new ZLibStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(voxels);
        }

        return buffer.ToArray();
    }
}
