namespace SegEngine.Io;

/// <summary>
/// nnU-Net's <c>NibabelIOWithReorient</c>: NIfTI read as <see cref="NibabelIO"/> does, then turned to RAS with nibabel's
/// <c>img.as_reoriented(io_orientation(img.affine))</c>; the segmentation is written in a fresh header with the RAS affine
/// and turned back with <c>as_reoriented(ornt_transform(RAS, io_orientation(original_affine)))</c>.
/// </summary>
/// <remarks>
/// nnU-Net: <c>imageio/nibabel_reader_writer.py</c>. Facts of nibabel 5.0 that shape the numbers:
/// <list type="bullet">
/// <item>An image already in RAS order is returned unchanged (<c>as_reoriented</c> returns <c>self</c>): voxels, spacing
/// (the header's pixdim) and affine are exactly NibabelIO's.</item>
/// <item>Otherwise the voxels are materialised through the array proxy (its slope and intercept are Python floats, so the
/// scaling runs in float64 as NibabelIO's does), then flipped and transposed.</item>
/// <item>The new image's header is the old one with the new affine set by <c>set_sform(code 2)</c>/<c>set_qform(code 0)</c>,
/// so the spacing is the float32 column norms of the new affine (not the file's pixdim).</item>
/// <item>The new affine is <c>affine.dot(inv_ornt_aff(ornt, shape))</c> (<see cref="NibabelOrientation.Multiply"/>).</item>
/// </list>
/// </remarks>
internal sealed class NibabelIOWithReorient : IImageReaderWriter
{
    public const string ReaderName = "NibabelIOWithReorient";

    private static readonly NibabelIO Writer = new();

    public string Name => ReaderName;

    public ImageVolume Read(IReadOnlyList<string> channelFiles)
    {
        ArgumentNullException.ThrowIfNull(channelFiles);
        if (channelFiles.Count == 0)
        {
            throw new ArgumentException("a case needs at least one channel file", nameof(channelFiles));
        }

        var parts = new List<VolumeBuffer<float>>(channelFiles.Count);
        try
        {
            Reoriented? first = null;
            foreach (string path in channelFiles)
            {
                Reoriented image = ReadOne(path);
                parts.Add(image.Voxels);
                if (first is null)
                {
                    first = image;
                    continue;
                }

                ChannelChecks.SameShape(channelFiles[0], parts[0].Shape, path, image.Voxels.Shape);
                ChannelChecks.SameSpacing(channelFiles[0], first.Spacing, path, image.Spacing);
            }

            Shape3 shape = parts[0].Shape;
            var geometry = new ImageGeometry(ReaderName, channelFiles[0], shape, is2D: false)
            {
                Affine = first!.OriginalAffine,
                ReorientedAffine = first.ReorientedAffine,
            };
            VolumeBuffer<float> stacked = ChannelChecks.Stack(parts, shape);
            return new ImageVolume(stacked, first.Spacing, geometry, channelFiles.ToArray());
        }
        finally
        {
            foreach (VolumeBuffer<float> part in parts)
            {
                part.Dispose();
            }
        }
    }

    public void WriteSegmentation(string path, ReadOnlySpan<byte> labels, ImageGeometry geometry)
    {
        SegmentationEncoding.CheckLength(labels.Length, geometry, ReaderName);
        (ImageGeometry target, NibabelOrientation.Orientation back, int[] rasXyz) = Restored(geometry);
        if (back.IsIdentity)
        {
            Writer.WriteSegmentation(path, labels, target);
            return;
        }

        var turned = new byte[labels.Length];
        NibabelOrientation.Apply(back, rasXyz, labels, turned);
        Writer.WriteSegmentation(path, turned, target);
    }

    public void WriteSegmentation(string path, ReadOnlySpan<ushort> labels, ImageGeometry geometry)
    {
        SegmentationEncoding.CheckLength(labels.Length, geometry, ReaderName);
        (ImageGeometry target, NibabelOrientation.Orientation back, int[] rasXyz) = Restored(geometry);
        if (back.IsIdentity)
        {
            Writer.WriteSegmentation(path, labels, target);
            return;
        }

        var turned = new ushort[labels.Length];
        NibabelOrientation.Apply(back, rasXyz, labels, turned);
        Writer.WriteSegmentation(path, turned, target);
    }

    /// <summary>One file read and reoriented, with what nnU-Net keeps of it.</summary>
    private sealed record Reoriented(VolumeBuffer<float> Voxels, double[] Spacing, double[] OriginalAffine, double[] ReorientedAffine);

    private static Reoriented ReadOne(string path)
    {
        NibabelOrientation.Orientation ornt = default;
        double[] original = [];
        VolumeBuffer<float> voxels = NiftiFile.ReadVoxels(
            path,
            h =>
            {
                NiftiReadPlan plan = NibabelIO.Plan(h, path);
                original = NibabelIO.BestAffine(h, path);
                ornt = NibabelOrientation.Of(original, path);
                return plan;
            },
            out NiftiHeader header);
        if (ornt.IsIdentity)
        {
            return new Reoriented(voxels, NibabelIO.Spacing(header), original, original);
        }

        try
        {
            int[] shapeXyz = [voxels.Shape.X, voxels.Shape.Y, voxels.Shape.Z];
            double[] reoriented = NibabelOrientation.Multiply(original, NibabelOrientation.InverseAffine(ornt, shapeXyz));
            int[] rasXyz = NibabelOrientation.Reoriented(ornt, shapeXyz);
            VolumeBuffer<float> turned = VolumeBuffer<float>.Allocate(1, new Shape3(rasXyz[2], rasXyz[1], rasXyz[0]));
            NibabelOrientation.Apply<float>(ornt, shapeXyz, voxels.Span, turned.Span);
            return new Reoriented(turned, Spacing(reoriented, original, header), original, reoriented);
        }
        finally
        {
            voxels.Dispose();
        }
    }

    /// <summary>
    /// <c>header.get_zooms()</c> of the reoriented image, reversed: <c>update_header</c> rewrites pixdim from the new affine
    /// (float32 column norms) unless the new affine is <c>allclose</c> to the header's, which then keeps its pixdim.
    /// </summary>
    private static double[] Spacing(double[] reoriented, double[] original, NiftiHeader header)
    {
        for (int i = 0; i < 16; i++)
        {
            if (!(Math.Abs(reoriented[i] - original[i]) <= 1e-8 + (1e-5 * Math.Abs(original[i]))))
            {
                return [(float)NibabelOrientation.ColumnNorm(reoriented, 2), (float)NibabelOrientation.ColumnNorm(reoriented, 1), (float)NibabelOrientation.ColumnNorm(reoriented, 0)];
            }
        }

        return NibabelIO.Spacing(header);
    }

    /// <summary>
    /// What the writer turns the RAS segmentation into: the orientation back to the file's axes, the RAS shape (x, y, z),
    /// and a NibabelIO geometry of the restored shape whose affine is <c>reoriented_affine.dot(inv_ornt_aff(back, shape))</c>.
    /// </summary>
    private static (ImageGeometry Target, NibabelOrientation.Orientation Back, int[] RasXyz) Restored(ImageGeometry geometry)
    {
        double[] original = geometry.Affine ?? throw new ArgumentException("geometry carries no original affine", nameof(geometry));
        double[] reoriented = geometry.ReorientedAffine ?? throw new ArgumentException("geometry carries no reoriented affine", nameof(geometry));
        Shape3 ras = geometry.OriginalShape;
        int[] rasXyz = [ras.X, ras.Y, ras.Z];
        NibabelOrientation.Orientation back = NibabelOrientation.Of(original, geometry.SourcePath).FromCanonical();
        if (back.IsIdentity)
        {
            return (new ImageGeometry(NibabelIO.ReaderName, geometry.SourcePath, ras, is2D: false) { Affine = reoriented }, back, rasXyz);
        }

        double[] affine = NibabelOrientation.Multiply(reoriented, NibabelOrientation.InverseAffine(back, rasXyz));
        int[] fileXyz = NibabelOrientation.Reoriented(back, rasXyz);
        var target = new ImageGeometry(NibabelIO.ReaderName, geometry.SourcePath, new Shape3(fileXyz[2], fileXyz[1], fileXyz[0]), is2D: false) { Affine = affine };
        return (target, back, rasXyz);
    }
}
