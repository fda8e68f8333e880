namespace SegEngine.Io;

/// <summary>One of nnU-Net's image readers/writers (<c>plans['image_reader_writer']</c>), reproduced for NIfTI.</summary>
/// <remarks>nnU-Net: <c>imageio/base_reader_writer.py</c>, <c>BaseReaderWriter.read_images</c>/<c>write_seg</c> (nnunet-parity.md §2).</remarks>
public interface IImageReaderWriter
{
    /// <summary>The name plans.json uses.</summary>
    string Name { get; }

    /// <summary>Reads a case's channel files (one per channel, or one 4D file) into one volume; shapes and spacings must agree.</summary>
    ImageVolume Read(IReadOnlyList<string> channelFiles);

    /// <summary>
    /// The shape and spacing <see cref="Read"/> would return for <paramref name="path"/> (a case's first channel), from its
    /// header alone: no voxel is decoded and only a bounded part of the file is read, so a case can be planned before any
    /// work. Throws as <see cref="Read"/> would for a header it cannot use.
    /// </summary>
    ImageHeader ProbeHeader(string path);

    /// <summary>Writes labels (z, y, x of <see cref="ImageGeometry.OriginalShape"/>) as uint8, gzip-compressed, atomically.</summary>
    void WriteSegmentation(string path, ReadOnlySpan<byte> labels, ImageGeometry geometry);

    /// <summary>Writes labels as uint8 when every label is below 255, else uint16 (nnU-Net's <c>write_seg</c> rule).</summary>
    void WriteSegmentation(string path, ReadOnlySpan<ushort> labels, ImageGeometry geometry);
}
