using System.IO.Compression;
using System.Text;

namespace SegEngine.Io.Itk;

/// <summary>
/// Writes a segmentation as ITK's NrrdImageIO does with compression on: NRRD0004 with NrrdIO's two comment lines, a 3D
/// image in <c>left-posterior-superior</c> space (a 2D one with <c>space dimension: 2</c>), space directions
/// spacing · direction column and the origin as <c>%.17g</c>, <c>endian</c> only for uint16, then one gzip stream.
/// </summary>
internal static class NrrdWriter
{
    public static void Write(string path, ItkSegmentationLayout layout, ReadOnlySpan<byte> voxels)
    {
        byte[] header = Encoding.ASCII.GetBytes(Header(layout));
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(voxels);
        }

        byte[] compressed = buffer.ToArray();
        ItkSegmentationFile.WriteAtomically(path, stream =>
        {
            stream.Write(header);
            stream.Write(compressed);
        });
    }

    internal static string Header(ItkSegmentationLayout layout)
    {
        int d = layout.Dimension;
        var text = new StringBuilder();
        text.Append("NRRD0004\n");
        text.Append("# Complete NRRD file format specification at:\n");
        text.Append("# http://teem.sourceforge.net/nrrd/format.html\n");
        text.Append($"type: {(layout.Wide ? "unsigned short" : "unsigned char")}\n");
        text.Append($"dimension: {d}\n");
        text.Append(d == 3 ? "space: left-posterior-superior\n" : $"space dimension: {d}\n");
        text.Append($"sizes: {string.Join(' ', layout.Size)}\n");
        var vectors = new string[d];
        for (int axis = 0; axis < d; axis++)
        {
            var v = new double[d];
            for (int i = 0; i < d; i++)
            {
                v[i] = layout.Spacing[axis] * layout.Direction[(i * d) + axis];
            }

            vectors[axis] = Vector(v);
        }

        text.Append($"space directions: {string.Join(' ', vectors)}\n");
        text.Append($"kinds: {string.Join(' ', Enumerable.Repeat("domain", d))}\n");
        if (layout.Wide)
        {
            text.Append("endian: little\n");
        }

        text.Append("encoding: gzip\n");
        text.Append($"space origin: {Vector(layout.Origin)}\n");
        text.Append('\n');
        return text.ToString();
    }

    private static string Vector(IEnumerable<double> values) => "(" + string.Join(',', values.Select(CNumber.G17)) + ")";
}
