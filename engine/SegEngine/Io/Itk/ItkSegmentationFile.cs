namespace SegEngine.Io.Itk;

/// <summary>
/// SimpleITKIO's formats besides NIfTI, chosen by the file name's ending as ITK's ImageIO factory chooses them:
/// MetaImage (<c>.mha</c>, <c>.mhd</c>), NRRD (<c>.nrrd</c>, <c>.nhdr</c>) and GIPL (<c>.gipl</c>). Reads headers and writes
/// segmentations in the input's format; writing goes through <see cref="AtomicFile"/>.
/// </summary>
/// <remarks>
/// Segmentations are written only as single files (<c>.mha</c>, <c>.nrrd</c>, <c>.gipl</c>): ITK would write a <c>.mhd</c> or
/// <c>.nhdr</c> as two files, which cannot be replaced atomically, so those endings are refused for output.
/// </remarks>
internal static class ItkSegmentationFile
{
    /// <summary>The format a file name ending selects, or null for any other name (NIfTI, read by the NIfTI path).</summary>
    public static string? FormatOf(string path)
    {
        string name = path.ToLowerInvariant();
        return name.EndsWith(".mha", StringComparison.Ordinal) || name.EndsWith(".mhd", StringComparison.Ordinal) ? MetaImageHeader.FormatName
            : name.EndsWith(".nrrd", StringComparison.Ordinal) || name.EndsWith(".nhdr", StringComparison.Ordinal) ? NrrdHeader.FormatName
            : name.EndsWith(".gipl", StringComparison.Ordinal) ? GiplHeader.FormatName
            : null;
    }

    public static ItkImageHeader ReadHeader(string path) => FormatOf(path) switch
    {
        MetaImageHeader.FormatName => MetaImageHeader.Read(path),
        NrrdHeader.FormatName => NrrdHeader.Read(path),
        GiplHeader.FormatName => GiplHeader.Read(path),
        _ => throw new ArgumentException($"{path} is not a MetaImage, NRRD or GIPL file name", nameof(path)),
    };

    /// <summary>Writes labels (little-endian uint8 or uint16 bytes, x fastest) in the format <paramref name="path"/>'s ending names.</summary>
    public static void Write(string path, ItkSegmentationLayout layout, ReadOnlySpan<byte> voxels)
    {
        string name = path.ToLowerInvariant();
        if (name.EndsWith(".mha", StringComparison.Ordinal))
        {
            MetaImageWriter.Write(path, layout, voxels);
        }
        else if (name.EndsWith(".nrrd", StringComparison.Ordinal))
        {
            NrrdWriter.Write(path, layout, voxels);
        }
        else if (name.EndsWith(".gipl", StringComparison.Ordinal))
        {
            if (layout.Size.Any(n => n > ushort.MaxValue))
            {
                throw new SegEngineException(
                    SegErrorCode.Unsupported, $"{path}: GIPL stores sizes as 16-bit numbers; ({string.Join(", ", layout.Size)}) does not fit");
            }

            GiplWriter.Write(path, layout, voxels);
        }
        else
        {
            throw new SegEngineException(
                SegErrorCode.Unsupported,
                $"{path}: segmentations are written as .mha, .nrrd or .gipl (a .mhd or .nhdr would be two files, which cannot be written atomically)");
        }
    }

    public static void WriteAtomically(string path, Action<Stream> write) => AtomicFile.Write(path, write);
}
