using SegEngine.Export;
using SegEngine.Io;

namespace SegEngine.Pipeline;

/// <summary>Hands a <see cref="LabelMap"/> to a reader/writer in the width it holds.</summary>
internal static class LabelMapWriting
{
    /// <summary>Writes <paramref name="labels"/> atomically with <paramref name="geometry"/>.</summary>
    public static void WriteSegmentation(this IImageReaderWriter writer, string path, LabelMap labels, ImageGeometry geometry)
    {
        if (labels.IsUInt16)
        {
            writer.WriteSegmentation(path, labels.UInt16, geometry);
        }
        else
        {
            writer.WriteSegmentation(path, labels.Bytes, geometry);
        }
    }
}
