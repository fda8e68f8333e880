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
        (VolumeBuffer<float> voxels, Reoriented first) = ChannelChecks.ReadAndStack(channelFiles, path =>
        {
            Reoriented image = ReadOne(path);
            return (image.Voxels, image.Spacing, image);
        });
        var geometry = new ImageGeometry(ReaderName, channelFiles[0], voxels.Shape, is2D: false)
        {
            Affine = first.OriginalAffine,
            ReorientedAffine = first.ReorientedAffine,
        };
        return new ImageVolume(voxels, first.Spacing, geometry, channelFiles.ToArray());
    }

    public void WriteSegmentation(string path, ReadOnlySpan<byte> labels, ImageGeometry geometry)
    {
        ReadOnlySpan<byte> original = TurnedBack(labels, geometry, out ImageGeometry target);
        Writer.WriteSegmentation(path, original, target);
    }

    public void WriteSegmentation(string path, ReadOnlySpan<ushort> labels, ImageGeometry geometry)
    {
        ReadOnlySpan<ushort> original = TurnedBack(labels, geometry, out ImageGeometry target);
        Writer.WriteSegmentation(path, original, target);
    }

    public ImageHeader ProbeHeader(string path)
    {
        NiftiHeader header = NiftiFile.ReadHeader(path);
        Orienting orienting = Orient(header, path);
        return new ImageHeader(orienting.RasShape, orienting.Spacing);
    }

    /// <summary>RAS labels turned back to the file's orientation (as they are when it was RAS), with the geometry NibabelIO writes them in.</summary>
    private static ReadOnlySpan<T> TurnedBack<T>(ReadOnlySpan<T> labels, ImageGeometry geometry, out ImageGeometry target)
    {
        SegmentationEncoding.CheckLength(labels.Length, geometry, ReaderName);
        (target, NibabelOrientation.Orientation back, int[] rasXyz) = Restored(geometry);
        if (back.IsIdentity)
        {
            return labels;
        }

        var turned = new T[labels.Length];
        NibabelOrientation.Apply(back, rasXyz, labels, turned);
        return turned;
    }

    /// <summary>One file read and reoriented, with what nnU-Net keeps of it.</summary>
    private sealed record Reoriented(VolumeBuffer<float> Voxels, double[] Spacing, double[] OriginalAffine, double[] ReorientedAffine);

    /// <summary>What the header alone decides: NibabelIO's read plan, the orientation, and the RAS shape, spacing and affines.</summary>
    private sealed record Orienting(
        NiftiReadPlan Plan, NibabelOrientation.Orientation Ornt, Shape3 RasShape, double[] Spacing, double[] OriginalAffine, double[] ReorientedAffine);

    private static Orienting Orient(NiftiHeader header, string path)
    {
        NiftiReadPlan plan = NibabelIO.Plan(header, path);
        double[] original = NibabelIO.BestAffine(header, path);
        NibabelOrientation.Orientation ornt = NibabelOrientation.Of(original, path);
        if (ornt.IsIdentity)
        {
            return new Orienting(plan, ornt, plan.Shape, NibabelIO.Spacing(header), original, original);
        }

        int[] shapeXyz = [plan.Shape.X, plan.Shape.Y, plan.Shape.Z];
        double[] reoriented = NibabelOrientation.Multiply(original, NibabelOrientation.InverseAffine(ornt, shapeXyz));
        int[] rasXyz = NibabelOrientation.Reoriented(ornt, shapeXyz);
        return new Orienting(plan, ornt, new Shape3(rasXyz[2], rasXyz[1], rasXyz[0]), Spacing(reoriented, original, header), original, reoriented);
    }

    private static Reoriented ReadOne(string path)
    {
        Orienting? orienting = null;
        VolumeBuffer<float> voxels = NiftiFile.ReadVoxels(
            path,
            h =>
            {
                orienting = Orient(h, path);
                return orienting.Plan;
            },
            out _);
        if (orienting!.Ornt.IsIdentity)
        {
            return new Reoriented(voxels, orienting.Spacing, orienting.OriginalAffine, orienting.ReorientedAffine);
        }

        try
        {
            int[] shapeXyz = [voxels.Shape.X, voxels.Shape.Y, voxels.Shape.Z];
            VolumeBuffer<float> turned = VolumeBuffer<float>.Allocate(1, orienting.RasShape);
            NibabelOrientation.Apply<float>(orienting.Ornt, shapeXyz, voxels.Span, turned.Span);
            return new Reoriented(turned, orienting.Spacing, orienting.OriginalAffine, orienting.ReorientedAffine);
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
