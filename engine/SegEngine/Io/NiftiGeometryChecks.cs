namespace SegEngine.Io;

/// <summary>
/// Header geometry both readers refuse, so that a file that would give a NaN quaternion, an affine nibabel cannot write
/// back, or spacings that overflow later arithmetic fails at the reader, naming the file and the field, not at the end of
/// a prediction.
/// </summary>
/// <remarks>
/// Bounds: a spatial pixdim's magnitude must lie in [<see cref="MinimumSpacing"/>, <see cref="MaximumSpacing"/>] (a
/// nanometre to a kilometre in mm; no scanner or microscope leaves that range, and it keeps spacing × size far from float
/// overflow). Negative pixdim stays valid (nibabel uses |pixdim|, ITK flips the axis). The quaternion and qoffset are checked
/// when qform_code ≠ 0 and srow when sform_code ≠ 0 (nibabel uses a transform whenever its code is non-zero; fields of an
/// unused transform are ignored, as both libraries do).
/// </remarks>
internal static class NiftiGeometryChecks
{
    public const double MinimumSpacing = 1e-6;

    public const double MaximumSpacing = 1e6;

    /// <summary>Smallest |det| of the sform with unit columns: below it the columns are (nearly) coplanar and the image has no volume.</summary>
    private const double MinimumSformVolume = 1e-6;

    private static readonly string[] Rows = ["srow_x", "srow_y", "srow_z"];

    /// <summary>pixdim[1..<paramref name="axes"/>] are finite and within the spacing bounds in magnitude.</summary>
    public static void Spacing(NiftiHeader h, string path, int axes)
    {
        for (int i = 1; i <= axes; i++)
        {
            double p = Math.Abs(h.PixDim[i]);
            if (!double.IsFinite(p) || p < MinimumSpacing || p > MaximumSpacing)
            {
                throw new NiftiFormatException(
                    path, $"pixdim[{i}]", $"expected a finite voxel size of magnitude {MinimumSpacing:R} to {MaximumSpacing:R}, found {h.PixDim[i]:R}");
            }
        }
    }

    /// <summary>The quaternion and offset of a declared qform, and the rows of a declared sform, are finite.</summary>
    public static void FiniteTransforms(NiftiHeader h, string path)
    {
        if (h.QformCode != 0)
        {
            Finite(path, "quatern_b", h.QuaternB);
            Finite(path, "quatern_c", h.QuaternC);
            Finite(path, "quatern_d", h.QuaternD);
            Finite(path, "qoffset_x", h.QoffsetX);
            Finite(path, "qoffset_y", h.QoffsetY);
            Finite(path, "qoffset_z", h.QoffsetZ);
        }

        if (h.SformCode != 0)
        {
            for (int i = 0; i < 3; i++)
            {
                for (int j = 0; j < 4; j++)
                {
                    Finite(path, $"{Rows[i]}[{j}]", h.Srow[i][j]);
                }
            }
        }
    }

    /// <summary>
    /// A declared sform (which nibabel takes as the affine) has column lengths within the spacing bounds and is not
    /// singular; nibabel's own writer fails on a zero column (<c>set_qform</c> divides by it), and a singular one has no
    /// orientation to write back.
    /// </summary>
    public static void UsableSform(NiftiHeader h, string path)
    {
        if (h.SformCode == 0)
        {
            return;
        }

        var unit = new double[9];
        for (int j = 0; j < 3; j++)
        {
            double length = Math.Sqrt((h.Srow[0][j] * h.Srow[0][j]) + (h.Srow[1][j] * h.Srow[1][j]) + (h.Srow[2][j] * h.Srow[2][j]));
            if (!(length >= MinimumSpacing && length <= MaximumSpacing))
            {
                throw new NiftiFormatException(
                    path, $"srow_x/y/z[{j}]", $"sform column {j} has length {length:R}, outside the voxel size bounds {MinimumSpacing:R} to {MaximumSpacing:R}");
            }

            for (int i = 0; i < 3; i++)
            {
                unit[(3 * i) + j] = h.Srow[i][j] / length;
            }
        }

        double volume = Quaternions.Determinant(unit);
        if (!(Math.Abs(volume) >= MinimumSformVolume))
        {
            throw new NiftiFormatException(path, "srow_x/y/z", $"the sform is singular (its unit columns span a volume of {volume:R})");
        }
    }

    private static void Finite(string path, string field, double value)
    {
        if (!double.IsFinite(value))
        {
            throw new NiftiFormatException(path, field, $"expected a finite number, found {value:R}");
        }
    }
}
