namespace SegEngine.Io;

/// <summary>
/// nnU-Net's <c>NaturalImage2DIO</c>: each file is <c>skimage.io.imread(f)</c>; a 2-D result is one channel, a 3-D one
/// must end in 3 or 4 (RGB or RGBA), which become channels; the case is (C, 1, y, x) with spacing (999, 1, 1). The
/// segmentation is <c>skimage.io.imsave(f, seg[0])</c> as uint8, or uint16 when a label is 255 or more.
/// </summary>
/// <remarks>
/// nnU-Net: <c>imageio/natural_image_reader_writer.py</c>. scikit-image 0.19 picks its plugin by the name: <c>.tif</c>/<c>.tiff</c>
/// go to tifffile (<see cref="TiffSamples"/>; a 3-D array whose last axis is not 3 or 4 but whose third-last is gets that
/// axis moved last, as <c>imread</c> does), everything else to imageio/Pillow (<see cref="PillowImageDecoding"/>).
/// Written PNGs are 8- or 16-bit grey; BMPs 8-bit grey-palette, and uint16 labels cannot be BMP (Pillow has no such mode).
/// </remarks>
internal sealed class NaturalImage2DIO : IImageReaderWriter
{
    public const string ReaderName = "NaturalImage2DIO";

    /// <summary>nnU-Net's spacing of a 2-D image (z, y, x): 999 marks the absent axis.</summary>
    private static readonly double[] PlanarSpacing = [999, 1, 1];

    public string Name => ReaderName;

    public ImageVolume Read(IReadOnlyList<string> channelFiles)
    {
        ChannelChecks.NotEmpty(channelFiles);

        var images = channelFiles.Select(ReadOne).ToList();
        for (int i = 1; i < images.Count; i++)
        {
            if (images[i].Channels != images[0].Channels)
            {
                throw new SegEngineException(
                    SegErrorCode.InvalidInput,
                    $"channel files disagree in shape: {channelFiles[0]} has {images[0].Channels} colour channels, {channelFiles[i]} has {images[i].Channels}");
            }

            ChannelChecks.SameShape(channelFiles[0], new Shape3(1, images[0].Height, images[0].Width), channelFiles[i], new Shape3(1, images[i].Height, images[i].Width));
        }

        var shape = new Shape3(1, images[0].Height, images[0].Width);
        VolumeBuffer<float> data = VolumeBuffer<float>.Allocate(images.Sum(i => i.Channels), shape);
        int offset = 0;
        foreach (PillowImageDecoding.Decoded image in images)
        {
            image.Values.CopyTo(data.Span[offset..]);
            offset += image.Values.Length;
        }

        var geometry = new ImageGeometry(ReaderName, channelFiles[0], shape, is2D: true);
        return new ImageVolume(data, [.. PlanarSpacing], geometry, channelFiles.ToArray());
    }

    public void WriteSegmentation(string path, ReadOnlySpan<byte> labels, ImageGeometry geometry) =>
        WriteSegmentation(path, SegmentationEncoding.Widen(labels), geometry);

    public void WriteSegmentation(string path, ReadOnlySpan<ushort> labels, ImageGeometry geometry)
    {
        SegmentationEncoding.CheckLength(labels.Length, geometry, ReaderName);
        Shape3 shape = geometry.OriginalShape;
        if (shape.Z != 1)
        {
            throw new ArgumentException($"a 2-D segmentation is 1 x y x x, got {shape}", nameof(geometry));
        }

        bool wide = SegmentationEncoding.NeedsUInt16(labels);
        if (IsTiff(path))
        {
            TiffLabelWriter.Write(path, labels, [shape.Y, shape.X], wide, deflate: false);
            return;
        }

        NaturalImageWriting.Write(path, labels, shape.Y, shape.X, wide);
    }

    public ImageHeader ProbeHeader(string path)
    {
        if (!IsTiff(path))
        {
            (int width, int height) = PillowImageDecoding.Size(path);
            return new ImageHeader(new Shape3(1, height, width), PlanarSpacing);
        }

        (_, long rows, long columns, _) = Plane(path, TiffSamples.Shape(path));
        return new ImageHeader(new Shape3(1, (int)rows, (int)columns), PlanarSpacing);
    }

    /// <summary>
    /// What skimage makes of tifffile's array: (h, w) is one channel; (h, w, 3|4) colour channels; (3|4, h, w) with another
    /// last axis is planar colour, moved last as <c>imread</c> does; anything else is refused.
    /// </summary>
    private static (long Channels, long Height, long Width, bool Planar) Plane(string path, long[] shape)
    {
        if (shape.Length == 2)
        {
            return (1, shape[0], shape[1], false);
        }

        if (shape.Length != 3)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput, $"{path}: NaturalImage2DIO reads 2-D images (grey, RGB or RGBA); tifffile reads this file as shape ({string.Join(", ", shape)})");
        }

        bool planar = shape[2] is not (3 or 4) && shape[0] is (3 or 4);
        (long channels, long height, long width) = planar ? (shape[0], shape[1], shape[2]) : (shape[2], shape[0], shape[1]);
        return channels is 3 or 4
            ? (channels, height, width, planar)
            : throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"{path}: if an image has three dimensions the last must have size 3 or 4 (RGB or RGBA); tifffile reads shape ({string.Join(", ", shape)})");
    }

    private static bool IsTiff(string path) =>
        path.EndsWith(".tif", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tiff", StringComparison.OrdinalIgnoreCase);

    private static PillowImageDecoding.Decoded ReadOne(string path)
    {
        if (!IsTiff(path))
        {
            return PillowImageDecoding.Read(path);
        }

        float[] values = [];
        long[] shape = [];
        TiffSamples.Read(path, s =>
        {
            shape = s;
            long elements = s.Aggregate(1L, (a, b) => a * b);
            _ = Plane(path, s);
            if (elements > PillowImageDecoding.MaxPixels * 4)
            {
                throw new SegEngineException(
                    SegErrorCode.MemoryBudget, $"{path}: tifffile reads this file as shape ({string.Join(", ", s)}), more than the {PillowImageDecoding.MaxPixels * 4} samples (RGBA) a 2-D image may have");
            }

            values = new float[elements];
            return values;
        });
        (long channels, long height, long width, bool planar) = Plane(path, shape);
        if (shape.Length == 2 || planar)
        {
            return new PillowImageDecoding.Decoded((int)channels, (int)height, (int)width, values);
        }

        var channelMajor = new float[values.Length];
        long pixels = height * width;
        for (long p = 0; p < pixels; p++)
        {
            for (long c = 0; c < channels; c++)
            {
                channelMajor[(c * pixels) + p] = values[(p * channels) + c];
            }
        }

        return new PillowImageDecoding.Decoded((int)channels, (int)height, (int)width, channelMajor);
    }
}
