namespace SegEngine.Io;

/// <summary>
/// nnU-Net's <c>NibabelIO</c>: 3D NIfTI only, no reorientation; voxels as <c>get_fdata().astype(float32).transpose(2, 1, 0)</c>,
/// spacing = reversed <c>header.get_zooms()</c>; the segmentation is written in a fresh nibabel header carrying the input's
/// effective affine as sform (code 2) and qform code 0.
/// </summary>
/// <remarks>
/// nnU-Net: <c>imageio/nibabel_reader_writer.py</c>, <c>NibabelIO.read_images</c>/<c>write_seg</c> (nnunet-parity.md §2).
/// nibabel 5.0 facts: <c>get_best_affine</c> (sform if sform_code ≠ 0, else qform if qform_code ≠ 0, else the centred pixdim
/// affine); on load negative pixdim[1..3] become |pixdim| and qfac outside ±1 becomes 1. Decisions: pixdim[1..3] that is zero
/// (nibabel silently substitutes 1), not finite or absurd, a non-finite qform or sform in use, and an sform nibabel could not
/// write back (a zero column, singular) are errors here (<see cref="NiftiGeometryChecks"/>); a non-finite scl_inter with a
/// valid slope is an error, as in nibabel.
/// </remarks>
internal sealed class NibabelIO : IImageReaderWriter
{
    public const string ReaderName = "NibabelIO";

    /// <summary>nibabel's <c>Nifti1Header.quaternion_threshold</c>: -3 float32 machine epsilons.</summary>
    private const double QuaternionThreshold = -3 * 1.1920928955078125e-7;

    /// <summary>numpy's <c>finfo(float64).eps</c> (nibabel's FLOAT_EPS in <c>quat2mat</c>).</summary>
    private const double DoubleEpsilon = 2.220446049250313e-16;

    public string Name => ReaderName;

    public ImageVolume Read(IReadOnlyList<string> channelFiles)
    {
        (VolumeBuffer<float> voxels, NiftiHeader first) = ChannelChecks.ReadAndStack(channelFiles, path =>
        {
            VolumeBuffer<float> channel = NiftiFile.ReadVoxels(path, h => Plan(h, path), out NiftiHeader header);
            return (channel, Spacing(header), header);
        });
        var geometry = new ImageGeometry(ReaderName, channelFiles[0], voxels.Shape, is2D: false) { Affine = BestAffine(first, channelFiles[0]) };
        return new ImageVolume(voxels, Spacing(first), geometry, channelFiles.ToArray());
    }

    public ImageHeader ProbeHeader(string path)
    {
        NiftiHeader header = NiftiFile.ReadHeader(path);
        return new ImageHeader(Plan(header, path).Shape, Spacing(header));
    }

    public void WriteSegmentation(string path, ReadOnlySpan<byte> labels, ImageGeometry geometry) =>
        SegmentationEncoding.Write(path, labels, geometry, ReaderName, Header);

    public void WriteSegmentation(string path, ReadOnlySpan<ushort> labels, ImageGeometry geometry) =>
        SegmentationEncoding.Write(path, labels, geometry, ReaderName, Header);

    internal static NiftiReadPlan Plan(NiftiHeader h, string path)
    {
        if (h.Rank != 3)
        {
            throw new NiftiFormatException(path, "dim[0]", $"NibabelIO reads only 3D images, found {h.Rank} dimensions (nnU-Net asserts ndim == 3)");
        }

        NiftiGeometryChecks.Spacing(h, path, 3);
        NiftiGeometryChecks.FiniteTransforms(h, path);
        NiftiGeometryChecks.UsableSform(h, path);
        return new NiftiReadPlan(1, new Shape3(Axis(h, 3, path), Axis(h, 2, path), Axis(h, 1, path)), Conversion(h, path));
    }

    /// <summary>dim[<paramref name="i"/>] as an array extent; NIfTI-2 sizes can exceed what one array axis holds.</summary>
    private static int Axis(NiftiHeader h, int i, string path) => h.Dim[i] <= int.MaxValue
        ? (int)h.Dim[i]
        : throw new NiftiFormatException(path, $"dim[{i}]", $"{h.Dim[i]} voxels exceed the 2^31 - 1 of one array axis");

    /// <summary>nibabel's <c>get_slope_inter</c>: no scaling when the slope is 0 or not finite; a valid slope needs a finite intercept.</summary>
    internal static NiftiVoxelConversion Conversion(NiftiHeader h, string path)
    {
        bool scale = h.SclSlope != 0 && double.IsFinite(h.SclSlope);
        if (scale && !double.IsFinite(h.SclInter))
        {
            throw new NiftiFormatException(path, "scl_inter", $"scl_slope is {h.SclSlope} but scl_inter is {h.SclInter}");
        }

        scale = scale && (h.SclSlope != 1.0 || h.SclInter != 0.0);
        return new NiftiVoxelConversion(scale, h.SclSlope, scale ? h.SclInter : 0.0, IntegersToSingleFirst: false, AlwaysApplyBoth: false);
    }

    internal static double[] Spacing(NiftiHeader h) => [Math.Abs(h.PixDim[3]), Math.Abs(h.PixDim[2]), Math.Abs(h.PixDim[1])];

    /// <summary>nibabel's <c>get_best_affine</c> as float64, row-major 4x4.</summary>
    internal static double[] BestAffine(NiftiHeader h, string path)
    {
        if (h.SformCode != 0)
        {
            return
            [
                h.Srow[0][0], h.Srow[0][1], h.Srow[0][2], h.Srow[0][3],
                h.Srow[1][0], h.Srow[1][1], h.Srow[1][2], h.Srow[1][3],
                h.Srow[2][0], h.Srow[2][1], h.Srow[2][2], h.Srow[2][3],
                0, 0, 0, 1,
            ];
        }

        double zx = Math.Abs(h.PixDim[1]), zy = Math.Abs(h.PixDim[2]), zz = Math.Abs(h.PixDim[3]);
        if (h.QformCode != 0)
        {
            return QformAffine(h, zx, zy, zz, path);
        }

        // shape_zoom_affine: x flipped, centred on the middle voxel.
        return
        [
            -zx, 0, 0, (h.Dim[1] - 1) / 2.0 * zx,
            0, zy, 0, -((h.Dim[2] - 1) / 2.0) * zy,
            0, 0, zz, -((h.Dim[3] - 1) / 2.0) * zz,
            0, 0, 0, 1,
        ];
    }

    /// <summary>nibabel's <c>get_qform</c>: <c>fillpositive</c> (float32 dot product), <c>quat2mat</c>, times diag(zooms) with qfac on z.</summary>
    private static double[] QformAffine(NiftiHeader h, double zx, double zy, double zz, string path)
    {
        float b = (float)h.QuaternB, c = (float)h.QuaternC, d = (float)h.QuaternD;
        double w2 = 1.0 - (double)((b * b) + (c * c) + (d * d));
        double w;
        if (w2 < 0)
        {
            if (w2 < QuaternionThreshold)
            {
                throw new NiftiFormatException(path, "quatern_b", $"quaternion (b, c, d) = ({b}, {c}, {d}) has norm above 1");
            }

            w = 0;
        }
        else
        {
            w = Math.Sqrt(w2);
        }

        // np.r_[w, xyz] is float64, so quat2mat works in double from here on.
        double nq = (w * w) + ((double)b * b) + ((double)c * c) + ((double)d * d);
        double[] r;
        if (nq < DoubleEpsilon)
        {
            r = [1, 0, 0, 0, 1, 0, 0, 0, 1];
        }
        else
        {
            double s = 2.0 / nq;
            double x = b * s, y = c * s, z = d * s;
            double wx = w * x, wy = w * y, wz = w * z;
            double xx = b * x, xy = b * y, xz = b * z;
            double yy = c * y, yz = c * z, zz2 = d * z;
            r =
            [
                1.0 - (yy + zz2), xy - wz, xz + wy,
                xy + wz, 1.0 - (xx + zz2), yz - wx,
                xz - wy, yz + wx, 1.0 - (xx + yy),
            ];
        }

        double qfac = h.PixDim[0] == -1 ? -1 : 1;
        double[] zoom = [zx, zy, zz * qfac];
        var affine = new double[16];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                // R @ diag(zoom) as a matrix product: the zero terms turn a -0 product into +0, as numpy's does.
                affine[(4 * i) + j] = (r[3 * i] * (j == 0 ? zoom[0] : 0)) + (r[(3 * i) + 1] * (j == 1 ? zoom[1] : 0)) + (r[(3 * i) + 2] * (j == 2 ? zoom[2] : 0));
            }
        }

        affine[3] = (float)h.QoffsetX;
        affine[7] = (float)h.QoffsetY;
        affine[11] = (float)h.QoffsetZ;
        affine[15] = 1;
        return affine;
    }

    /// <summary>
    /// The header nibabel 5 writes for <c>Nifti1Image(seg, affine)</c>: sform = affine (code 2); qform code 0 but quaternion,
    /// qoffset, qfac and pixdim[1..3] set from the affine by <c>set_qform</c>; scl 1/0; units 0.
    /// </summary>
    private static byte[] Header(ImageGeometry geometry, bool wide)
    {
        double[] a = geometry.Affine ?? throw new ArgumentException("geometry carries no affine", nameof(geometry));
        Shape3 shape = geometry.OriginalShape;
        Quaternions.CheckNifti1Extent(shape, geometry.SourcePath);
        var zooms = new double[3];
        for (int j = 0; j < 3; j++)
        {
            zooms[j] = Math.Sqrt((a[j] * a[j]) + (a[4 + j] * a[4 + j]) + (a[8 + j] * a[8 + j]));
        }

        double[] rot = new double[9];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                rot[(3 * i) + j] = a[(4 * i) + j] / zooms[j];
            }
        }

        float qfac = 1;
        if (Quaternions.Determinant(rot) <= 0)
        {
            qfac = -1;
            rot[2] = -rot[2];
            rot[5] = -rot[5];
            rot[8] = -rot[8];
        }

        (double qb, double qc, double qd) = Quaternions.FromRotation(Quaternions.NearestRotation(rot));
        var builder = new Nifti1HeaderBuilder()
            .Dims([3, (short)shape.X, (short)shape.Y, (short)shape.Z, 1, 1, 1, 1])
            .Labels(wide)
            .PixDim([qfac, (float)zooms[0], (float)zooms[1], (float)zooms[2], 1, 1, 1, 1])
            .Scaling(1, 0)
            .Codes(qform: 0, sform: 2)
            .Quaternion((float)qb, (float)qc, (float)qd, (float)a[3], (float)a[7], (float)a[11])
            .Srow([(float)a[0], (float)a[1], (float)a[2], (float)a[3], (float)a[4], (float)a[5], (float)a[6], (float)a[7], (float)a[8], (float)a[9], (float)a[10], (float)a[11]]);
        return builder.Bytes.ToArray();
    }
}
