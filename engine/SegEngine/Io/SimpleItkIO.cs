using SegEngine.Io.Itk;

namespace SegEngine.Io;

/// <summary>
/// nnU-Net's <c>SimpleITKIO</c>. MetaImage, NRRD and GIPL files (by name: <c>.mha</c>/<c>.mhd</c>, <c>.nrrd</c>/<c>.nhdr</c>,
/// <c>.gipl</c>) are read and written by <see cref="ItkSegmentationFile"/> with ITK's geometry for those formats; every other
/// name is read as NIfTI. For NIfTI: the geometry ITK's <c>NiftiImageIO</c> derives (LPS origin and direction,
/// spacing from pixdim), array = <c>GetArrayFromImage</c> (z, y, x); 2D images become (1, 1, y, x) with spacing
/// (999·max, sy, sx); a 4D file is its channels. The segmentation is written as ITK writes it.
/// </summary>
/// <remarks>
/// nnU-Net: <c>imageio/simpleitk_reader_writer.py</c>, <c>SimpleITKIO.read_images</c>/<c>write_seg</c>; ITK:
/// <c>NiftiImageIO::SetImageIOOrientationFromNIfTI</c>, <c>SetNIfTIOrientationFromImageIO</c> (nnunet-parity.md §2, §10).
/// Checked against Debian's ITK 5.2 (tests/fixtures/io/itk). Decisions where ITK versions or our policy differ:
/// <list type="bullet">
/// <item>sform with orthonormal columns but column norms unlike pixdim and no qform: ITK 5.2 refuses it ("no orthonormal
/// definition"); ITK ≥ 5.3 (pip SimpleITK ≥ 2.3, what nnU-Net installs) normalises the columns and uses it. We follow ITK ≥ 5.3.</item>
/// <item>Spacing is scaled to mm for metre/micron units; the origin is not (ITK 5.2, as measured).</item>
/// <item>|pixdim| is the spacing; a negative pixdim flips that direction column (ITK's reader makes spacing positive).
/// A zero, non-finite or absurd spatial pixdim, and a non-finite qform or sform in use, are errors (niftilib silently substitutes 1 for a zero pixdim; <see cref="NiftiGeometryChecks"/>).</item>
/// <item>NIfTI-2 and gzip content under a .nii name are read with the same rules (ITK 5.2 refuses both; newer ITK reads NIfTI-2).</item>
/// <item>Non-orthonormal sform without a usable qform is an error (ITK's default, no ITK_NIFTI_SFORM_PERMISSIVE).</item>
/// </list>
/// </remarks>
internal sealed class SimpleItkIO : IImageReaderWriter
{
    public const string ReaderName = "SimpleITKIO";

    /// <summary>std::numeric_limits&lt;double&gt;::epsilon(), ITK's rescale tolerance.</summary>
    private const double DoubleEpsilon = 2.220446049250313e-16;

    public string Name => ReaderName;

    public ImageVolume Read(IReadOnlyList<string> channelFiles)
    {
        (VolumeBuffer<float> voxels, ItkGeometry first) = ChannelChecks.ReadAndStack(channelFiles, path =>
        {
            ItkGeometry? itk = null;
            VolumeBuffer<float> channel;
            if (ItkSegmentationFile.FormatOf(path) is not null)
            {
                ItkImageHeader header = ItkSegmentationFile.ReadHeader(path);
                itk = header.Geometry();
                channel = ItkVoxelReader.Read(header, itk.Channels, itk.ArrayShape);
            }
            else
            {
                channel = NiftiFile.ReadVoxels(
                    path,
                    h =>
                    {
                        itk = ItkGeometry.FromHeader(h, path);
                        return new NiftiReadPlan(itk.Channels, itk.ArrayShape, Conversion(h));
                    },
                    out _);
            }

            return (channel, itk!.NnunetSpacing(), itk);
        });
        var geometry = new ImageGeometry(ReaderName, channelFiles[0], first.ArrayShape, first.Dimension == 2)
        {
            ItkDimension = first.Dimension,
            ItkSpacing = first.Spacing,
            ItkOrigin = first.Origin,
            ItkDirection = first.Direction,
        };
        return new ImageVolume(voxels, first.NnunetSpacing(), geometry, channelFiles.ToArray());
    }

    public ImageHeader ProbeHeader(string path)
    {
        ItkGeometry itk = ItkSegmentationFile.FormatOf(path) is not null
            ? ItkSegmentationFile.ReadHeader(path).Geometry()
            : ItkGeometry.FromHeader(NiftiFile.ReadHeader(path), path);
        return new ImageHeader(itk.ArrayShape, itk.NnunetSpacing());
    }

    public void WriteSegmentation(string path, ReadOnlySpan<byte> labels, ImageGeometry geometry)
    {
        if (ItkSegmentationFile.FormatOf(path) is null)
        {
            SegmentationEncoding.Write(path, labels, geometry, ReaderName, Header);
            return;
        }

        SegmentationEncoding.CheckLength(labels.Length, geometry, ReaderName);
        ItkSegmentationFile.Write(path, ItkSegmentationLayout.From(geometry, wide: false), labels);
    }

    public void WriteSegmentation(string path, ReadOnlySpan<ushort> labels, ImageGeometry geometry)
    {
        if (ItkSegmentationFile.FormatOf(path) is null)
        {
            SegmentationEncoding.Write(path, labels, geometry, ReaderName, Header);
            return;
        }

        SegmentationEncoding.CheckLength(labels.Length, geometry, ReaderName);
        if (SegmentationEncoding.NeedsUInt16(labels))
        {
            ItkSegmentationFile.Write(path, ItkSegmentationLayout.From(geometry, wide: true), SegmentationEncoding.LittleEndianBytes(labels));
            return;
        }

        using var narrow = SegmentationEncoding.Narrow(labels);
        ItkSegmentationFile.Write(path, ItkSegmentationLayout.From(geometry, wide: false), narrow.Span);
    }

    /// <summary>
    /// ITK's rescale rule: niftilib zeroes non-finite slope/intercept, ITK turns a zero slope into 1; <c>MustRescale</c> when |slope| &gt; ε and
    /// (|slope − 1| &gt; ε or |inter| &gt; ε), ε = double machine epsilon.
    /// </summary>
    internal static NiftiVoxelConversion Conversion(NiftiHeader h)
    {
        double slope = double.IsFinite(h.SclSlope) ? h.SclSlope : 0;
        double inter = double.IsFinite(h.SclInter) ? h.SclInter : 0;
        if (Math.Abs(slope) < DoubleEpsilon)
        {
            // ITK replaces a zero slope by 1 and keeps the intercept (nibabel drops both).
            slope = 1;
        }

        bool rescale = Math.Abs(slope) > DoubleEpsilon
            && (Math.Abs(slope - 1.0) > DoubleEpsilon || Math.Abs(inter) > DoubleEpsilon);
        return new NiftiVoxelConversion(rescale, slope, inter, IntegersToSingleFirst: true, AlwaysApplyBoth: true);
    }

    /// <summary>
    /// The header ITK writes from spacing/origin/direction: qform and sform codes 1 (scanner), regular 'r', mm units,
    /// pixdim[1..3] the spacing (1 for a missing axis), pixdim[4..7] 0, scl 1/0, quaternion and srow from the direction in RAS.
    /// </summary>
    private static byte[] Header(ImageGeometry geometry, bool wide)
    {
        geometry.EnsureWritable();

        int dims = geometry.ItkDimension;
        double[] spacing = geometry.ItkSpacing!, origin = geometry.ItkOrigin!, direction = geometry.ItkDirection!;
        Shape3 shape = geometry.OriginalShape;
        Quaternions.CheckNifti1Extent(shape, geometry.SourcePath);

        // Direction as RAS rows (x and y negated), embedded in 3x3 (a 2D image gets an identity z axis), in float as ITK does.
        var ras = new double[9];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                double v = i < dims && j < dims ? direction[(i * dims) + j] : (i == j ? 1 : 0);
                ras[(3 * i) + j] = (float)(i < 2 ? -v : v);
            }
        }

        float[] spacing3 = [(float)spacing[0], (float)spacing[1], dims > 2 ? (float)spacing[2] : 1f];
        var rotation = (double[])ras.Clone();
        float qfac = 1;
        if (Quaternions.Determinant(rotation) < 0)
        {
            qfac = -1;
            rotation[2] = -rotation[2];
            rotation[5] = -rotation[5];
            rotation[8] = -rotation[8];
        }

        (double qb, double qc, double qd) = Quaternions.FromRotation(rotation);
        float ox = (float)-origin[0], oy = (float)-origin[1], oz = dims > 2 ? (float)origin[2] : 0f;
        var srow = new float[12];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                srow[(4 * i) + j] = spacing3[j] * (float)ras[(3 * i) + j];
            }
        }

        srow[3] = ox;
        srow[7] = oy;
        srow[11] = oz;
        short nz = dims > 2 ? (short)shape.Z : (short)1;
        return new Nifti1HeaderBuilder()
            .Regular((byte)'r')
            .Dims([(short)dims, (short)shape.X, (short)shape.Y, nz, 1, 1, 1, 1])
            .Labels(wide)
            .PixDim([qfac, spacing3[0], spacing3[1], spacing3[2], 0, 0, 0, 0])
            .Scaling(1, 0)
            .XyztUnits(2)
            .Codes(qform: 1, sform: 1)
            .Quaternion((float)qb, (float)qc, (float)qd, ox, oy, oz)
            .Srow(srow)
            .Bytes.ToArray();
    }
}
