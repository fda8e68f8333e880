namespace SegEngine.Io;

/// <summary>
/// nnU-Net's <c>Tiff3DIO</c>: each channel file is <c>tifffile.imread(f)</c>, which must be a 3-D array (used as z, y, x
/// as it comes); the spacing comes from <c>{case}.json</c> beside the first channel (its name less the ending and the
/// <c>_0000</c> channel suffix), or is (1, 1, 1) when there is none. The segmentation is written with
/// <c>tifffile.imwrite(..., compression='zlib')</c> and the spacing beside it as <c>{case}.json</c>.
/// </summary>
/// <remarks>nnU-Net: <c>imageio/tif_reader_writer.py</c>; decoding: <see cref="TiffSamples"/>.</remarks>
internal sealed class Tiff3DIO : IImageReaderWriter
{
    public const string ReaderName = "Tiff3DIO";

    /// <summary>The channel suffix <c>_0000</c> that nnU-Net cuts off (by length, whatever it holds).</summary>
    private const int ChannelSuffixLength = 5;

    public string Name => ReaderName;

    public ImageVolume Read(IReadOnlyList<string> channelFiles)
    {
        VolumeBuffer<float> voxels = ChannelChecks.ReadAndStack(channelFiles, path => (ReadVolume(path), (double[]?)null, 0)).Voxels;
        try
        {
            (double[] spacing, string[] tokens) = SpacingOf(channelFiles[0]);
            var geometry = new ImageGeometry(ReaderName, channelFiles[0], voxels.Shape, is2D: false) { SpacingJson = TiffSpacingFile.Render(tokens) };
            return new ImageVolume(voxels, spacing, geometry, channelFiles.ToArray());
        }
        catch
        {
            voxels.Dispose();
            throw;
        }
    }

    public ImageHeader ProbeHeader(string path)
    {
        // The spacing first: it checks the ending before the file is opened, as Read does.
        double[] spacing = SpacingOf(path).Spacing;
        return new ImageHeader(Volume(path, TiffSamples.Shape(path)), spacing);
    }

    public void WriteSegmentation(string path, ReadOnlySpan<byte> labels, ImageGeometry geometry) =>
        WriteSegmentation(path, SegmentationEncoding.Widen(labels), geometry);

    public void WriteSegmentation(string path, ReadOnlySpan<ushort> labels, ImageGeometry geometry)
    {
        SegmentationEncoding.CheckLength(labels.Length, geometry, ReaderName);
        string json = geometry.SpacingJson ?? throw new ArgumentException("geometry carries no spacing", nameof(geometry));
        Shape3 shape = geometry.OriginalShape;
        TiffLabelWriter.Write(path, labels, [shape.Z, shape.Y, shape.X], SegmentationEncoding.NeedsUInt16(labels), deflate: true);

        // nnU-Net: file[:-(len(ending) + 1)] + '.json' in the output folder, ending being what follows the last dot.
        string name = Path.GetFileName(path);
        int dot = name.LastIndexOf('.');
        string aux = Path.Combine(Path.GetDirectoryName(path) ?? ".", (dot < 0 ? string.Empty : name[..dot]) + ".json");
        try
        {
            using AtomicFile output = AtomicFile.Create(aux);
            output.Stream.Write(System.Text.Encoding.UTF8.GetBytes(json));
            output.Commit();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SegEngineException(SegErrorCode.Io, $"{aux}: could not write the spacing file: {e.Message}", e);
        }
    }

    /// <summary>One channel file as a (1, z, y, x) volume; tifffile's array must have three axes.</summary>
    internal static VolumeBuffer<float> ReadVolume(string path)
    {
        _ = Ending(path);
        VolumeBuffer<float>? volume = null;
        try
        {
            TiffSamples.Read(path, shape =>
            {
                volume = VolumeBuffer<float>.Allocate(1, Volume(path, shape));
                return volume.Span;
            });
            return volume!;
        }
        catch
        {
            volume?.Dispose();
            throw;
        }
    }

    /// <summary>tifffile's array as a volume (z, y, x): it must have three axes.</summary>
    private static Shape3 Volume(string path, long[] shape) =>
        shape.Length == 3
            ? new Shape3((int)shape[0], (int)shape[1], (int)shape[2])
            : throw new SegEngineException(
                SegErrorCode.InvalidInput, $"{path}: Tiff3DIO reads only 3D images; tifffile reads this file as shape ({string.Join(", ", shape)})");

    /// <summary>
    /// The spacing from <c>{case}.json</c> beside the first channel (its name less the ending and the channel suffix), with
    /// the tokens Python would write back; (1, 1, 1) when there is none.
    /// </summary>
    private static (double[] Spacing, string[] Tokens) SpacingOf(string firstChannel)
    {
        string aux = SpacingFileOf(firstChannel);
        return File.Exists(aux) ? TiffSpacingFile.Read(aux) : ([1.0, 1.0, 1.0], ["1", "1", "1"]);
    }

    /// <summary>Where the case's spacing file lies: <c>{case}.json</c> beside the first channel file.</summary>
    internal static string SpacingFileOf(string firstChannel)
    {
        string ending = Ending(firstChannel);
        return firstChannel.Length > ending.Length + ChannelSuffixLength
            ? firstChannel[..^(ending.Length + ChannelSuffixLength)] + ".json"
            : ".json";
    }

    /// <summary>nnU-Net's <c>'.' + f.split('.')[-1]</c>, which must be .tif or .tiff in any case.</summary>
    private static string Ending(string path)
    {
        int dot = path.LastIndexOf('.');
        string ending = dot < 0 ? "." + path : path[dot..];
        return ending.Equals(".tif", StringComparison.OrdinalIgnoreCase) || ending.Equals(".tiff", StringComparison.OrdinalIgnoreCase)
            ? ending
            : throw new SegEngineException(SegErrorCode.InvalidInput, $"{path}: ending '{ending}' is not supported by Tiff3DIO (.tif, .tiff)");
    }
}
