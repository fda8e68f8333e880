namespace SegEngine.Io;

/// <summary>
/// The image geometry ITK's <c>NiftiImageIO</c> derives from a NIfTI header (spacing, LPS origin and direction in ITK
/// order), plus how nnU-Net's SimpleITKIO lays the array out.
/// </summary>
/// <remarks>
/// ITK <c>NiftiImageIO::ReadImageInformation</c> and <c>SetImageIOOrientationFromNIfTI</c>; nifti1_io
/// <c>nifti_quatern_to_mat44</c> (nnunet-parity.md §10). Matrices are kept in float, as niftilib's <c>mat44</c>.
/// </remarks>
internal sealed class ItkGeometry
{
    private const float OrthonormalTolerance = 1e-4f;

    internal ItkGeometry(int dimension, long[] size, double[] spacing, double[] origin, double[] direction)
    {
        Dimension = dimension;
        Size = size;
        Spacing = spacing;
        Origin = origin;
        Direction = direction;
    }

    /// <summary>ITK's image dimension: dim[0] with trailing size-1 axes above the third dropped.</summary>
    public int Dimension { get; }

    /// <summary>Size per ITK axis (x, y, z[, t]).</summary>
    public long[] Size { get; }

    public double[] Spacing { get; }

    public double[] Origin { get; }

    /// <summary>Row-major Dimension x Dimension.</summary>
    public double[] Direction { get; }

    /// <summary>Channels nnU-Net makes: the 4th axis of a 4D image, else 1.</summary>
    public int Channels => Dimension == 4 ? (int)Size[3] : 1;

    /// <summary>Per-channel array shape (z, y, x); 2D images are (1, y, x).</summary>
    public Shape3 ArrayShape => Dimension == 2
        ? new Shape3(1, (int)Size[1], (int)Size[0])
        : new Shape3((int)Size[2], (int)Size[1], (int)Size[0]);

    /// <summary>nnU-Net's <c>props['spacing']</c>: |reversed spacing|; 2D: (999·max, sy, sx); 4D: reversed[1:].</summary>
    public double[] NnunetSpacing() => Dimension switch
    {
        2 => [Math.Abs(999 * Math.Max(Spacing[0], Spacing[1])), Math.Abs(Spacing[1]), Math.Abs(Spacing[0])],
        _ => [Math.Abs(Spacing[2]), Math.Abs(Spacing[1]), Math.Abs(Spacing[0])],
    };

    public static ItkGeometry FromHeader(NiftiHeader h, string path)
    {
        int dimension = h.Rank;
        while (dimension > 3 && h.Dim[dimension] == 1)
        {
            dimension--;
        }

        if (dimension is < 2 or > 4)
        {
            throw new NiftiFormatException(path, "dim[0]", $"SimpleITKIO reads 2D, 3D and 4D images; this one has {dimension} dimension(s)");
        }

        if (h.Dim[1] > int.MaxValue || h.Dim[2] > int.MaxValue || h.Dim[3] > int.MaxValue || h.Dim[4] > int.MaxValue)
        {
            throw new NiftiFormatException(path, "dim", "an axis exceeds 2^31 - 1 voxels");
        }

        int spatial = Math.Min(dimension, 3);
        NiftiGeometryChecks.Spacing(h, path, spatial);
        NiftiGeometryChecks.FiniteTransforms(h, path);

        double spaceScale = (h.XyztUnits & 0x07) switch
        {
            1 => 1e3,
            3 => 1e-3,
            _ => 1.0,
        };
        double timeScale = (h.XyztUnits & 0x38) switch
        {
            16 => 1e-3,
            24 => 1e-6,
            _ => 1.0,
        };

        var size = new long[dimension];
        var spacing = new double[dimension];
        var origin = new double[dimension];
        var direction = new double[dimension * dimension];
        for (int i = 0; i < dimension; i++)
        {
            size[i] = h.Dim[i + 1];
            direction[(i * dimension) + i] = 1;
            float p = (float)h.PixDim[i + 1];
            spacing[i] = i < 3 ? p * spaceScale : (p == 0 || !float.IsFinite(p) ? 1.0 : p * timeScale);
        }

        if (dimension == 4)
        {
            origin[3] = (float)h.Toffset;
        }

        if (h.QformCode > 0 || h.SformCode > 0)
        {
            float[] m = ChooseTransform(h, path);
            origin[0] = -m[3];
            origin[1] = -m[7];
            if (spatial > 2)
            {
                origin[2] = m[11];
            }

            for (int j = 0; j < spatial; j++)
            {
                double norm = 0;
                var column = new double[spatial];
                for (int i = 0; i < spatial; i++)
                {
                    column[i] = (i < 2 ? -1.0 : 1.0) * m[(4 * i) + j];
                    norm += column[i] * column[i];
                }

                norm = Math.Sqrt(norm);
                for (int i = 0; i < spatial; i++)
                {
                    direction[(i * dimension) + j] = norm == 0 ? column[i] : column[i] / norm;
                }
            }
        }

        // ITK's reader keeps spacing positive and flips the direction column instead.
        for (int j = 0; j < spatial; j++)
        {
            if (spacing[j] < 0)
            {
                spacing[j] = -spacing[j];
                for (int i = 0; i < dimension; i++)
                {
                    direction[(i * dimension) + j] = -direction[(i * dimension) + j];
                }
            }
        }

        return new ItkGeometry(dimension, size, spacing, origin, direction);
    }

    /// <summary>ITK's choice between sform and qform (row-major float 4x4 of the chosen one).</summary>
    private static float[] ChooseTransform(NiftiHeader h, string path)
    {
        float[] q = h.QformCode > 0 ? QformMatrix(h) : Diagonal(h);
        float[] s = h.SformCode > 0 ? SformMatrix(h) : new float[16];

        bool preferSform = ElementwiseSimilar(s, q);
        if (!preferSform || h.SformCode > 0)
        {
            if (h.SformCode > 0 && HasOrthonormalColumns(s))
            {
                if (h.QformCode <= 0 || h.SformCode == 1)
                {
                    preferSform = true;
                }
                else
                {
                    preferSform = VerySimilar(s, q);
                }
            }
        }

        if (preferSform)
        {
            return s;
        }

        if (h.QformCode > 0)
        {
            return q;
        }

        throw new NiftiFormatException(path, "srow_x", "the sform is not orthonormal and there is no qform (ITK: \"no orthonormal definition found\")");
    }

    /// <summary>niftilib's <c>nifti_quatern_to_mat44</c> (double arithmetic, float result).</summary>
    private static float[] QformMatrix(NiftiHeader h)
    {
        double b = (float)h.QuaternB, c = (float)h.QuaternC, d = (float)h.QuaternD;
        double a = 1.0 - ((b * b) + (c * c) + (d * d));
        if (a < 1e-7)
        {
            a = 1.0 / Math.Sqrt((b * b) + (c * c) + (d * d));
            b *= a;
            c *= a;
            d *= a;
            a = 0;
        }
        else
        {
            a = Math.Sqrt(a);
        }

        double xd = (float)h.PixDim[1] > 0 ? (float)h.PixDim[1] : 1.0;
        double yd = (float)h.PixDim[2] > 0 ? (float)h.PixDim[2] : 1.0;
        double zd = (float)h.PixDim[3] > 0 ? (float)h.PixDim[3] : 1.0;
        if ((float)h.PixDim[0] < 0)
        {
            zd = -zd;
        }

        return
        [
            (float)(((a * a) + (b * b) - (c * c) - (d * d)) * xd), (float)(2.0 * ((b * c) - (a * d)) * yd), (float)(2.0 * ((b * d) + (a * c)) * zd), (float)h.QoffsetX,
            (float)(2.0 * ((b * c) + (a * d)) * xd), (float)(((a * a) + (c * c) - (b * b) - (d * d)) * yd), (float)(2.0 * ((c * d) - (a * b)) * zd), (float)h.QoffsetY,
            (float)(2.0 * ((b * d) - (a * c)) * xd), (float)(2.0 * ((c * d) + (a * b)) * yd), (float)(((a * a) + (d * d) - (c * c) - (b * b)) * zd), (float)h.QoffsetZ,
            0, 0, 0, 1,
        ];
    }

    /// <summary>niftilib's qto_xyz when qform_code is 0: diag(pixdim).</summary>
    private static float[] Diagonal(NiftiHeader h) =>
    [
        (float)h.PixDim[1], 0, 0, 0,
        0, (float)h.PixDim[2], 0, 0,
        0, 0, (float)h.PixDim[3], 0,
        0, 0, 0, 1,
    ];

    private static float[] SformMatrix(NiftiHeader h)
    {
        var m = new float[16];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                m[(4 * i) + j] = (float)h.Srow[i][j];
            }
        }

        m[15] = 1;
        return m;
    }

    /// <summary>ITK's first test: 3x3 parts equal within 1e-5, translations and bottom rows within 1e-7 (one-norm).</summary>
    private static bool ElementwiseSimilar(float[] s, float[] q)
    {
        float translation = 0, bottom = 0;
        for (int i = 0; i < 4; i++)
        {
            translation += Math.Abs(s[(4 * i) + 3] - q[(4 * i) + 3]);
            bottom += Math.Abs(s[12 + i] - q[12 + i]);
            for (int j = 0; j < 3 && i < 3; j++)
            {
                if (Math.Abs(s[(4 * i) + j] - q[(4 * i) + j]) > 1e-5f)
                {
                    return false;
                }
            }
        }

        return translation <= 1e-7f && bottom <= 1e-7f;
    }

    /// <summary>The sform 3x3 with each column normalised times its transpose is the identity within 1e-4 (float, as ITK).</summary>
    private static bool HasOrthonormalColumns(float[] s)
    {
        var r = new float[9];
        for (int j = 0; j < 3; j++)
        {
            float norm = MathF.Sqrt((s[j] * s[j]) + (s[4 + j] * s[4 + j]) + (s[8 + j] * s[8 + j]));
            if (norm == 0 || !float.IsFinite(norm))
            {
                return false;
            }

            for (int i = 0; i < 3; i++)
            {
                r[(3 * i) + j] = s[(4 * i) + j] / norm;
            }
        }

        for (int i = 0; i < 3; i++)
        {
            for (int k = 0; k < 3; k++)
            {
                float dot = (r[3 * i] * r[3 * k]) + (r[(3 * i) + 1] * r[(3 * k) + 1]) + (r[(3 * i) + 2] * r[(3 * k) + 2]);
                if (Math.Abs(dot - (i == k ? 1f : 0f)) > OrthonormalTolerance)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// ITK's second test with both codes set: same spacings, rotations, offsets within 1e-4. ITK compares SVD factors; for
    /// matrices with orthogonal columns (already required of the sform) that is comparing column norms and normalised columns.
    /// </summary>
    private static bool VerySimilar(float[] s, float[] q)
    {
        for (int j = 0; j < 3; j++)
        {
            double sn = Math.Sqrt((s[j] * (double)s[j]) + (s[4 + j] * (double)s[4 + j]) + (s[8 + j] * (double)s[8 + j]));
            double qn = Math.Sqrt((q[j] * (double)q[j]) + (q[4 + j] * (double)q[4 + j]) + (q[8 + j] * (double)q[8 + j]));
            if (Math.Abs(sn - qn) > 1e-4 || qn == 0)
            {
                return false;
            }

            for (int i = 0; i < 3; i++)
            {
                if (Math.Abs((s[(4 * i) + j] / sn) - (q[(4 * i) + j] / qn)) > 1e-4)
                {
                    return false;
                }
            }
        }

        for (int i = 0; i < 3; i++)
        {
            if (Math.Abs(s[(4 * i) + 3] - q[(4 * i) + 3]) > 1e-4)
            {
                return false;
            }
        }

        return true;
    }
}
