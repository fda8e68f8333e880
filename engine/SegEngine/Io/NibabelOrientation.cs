namespace SegEngine.Io;

/// <summary>
/// nibabel 5.0's axis orientation arithmetic (<c>nibabel.orientations</c>) for 3D images: which voxel axis runs along
/// which world axis (<c>io_orientation</c>), the affine of a flip and transpose (<c>inv_ornt_aff</c>), and applying one to
/// a volume (<c>apply_orientation</c>). An orientation is, per voxel axis (x, y, z): the world axis it becomes and ±1.
/// </summary>
/// <remarks>
/// Affines are row-major 4x4 doubles. <c>SpatialImage.as_reoriented</c> multiplies with <c>numpy.dot</c>, which hands a
/// 4x4 product to OpenBLAS; its kernel accumulates each entry from zero with fused multiply-adds in k order, as
/// <see cref="Multiply"/> does, so the translation column rounds the same way.
/// </remarks>
internal static class NibabelOrientation
{
    /// <summary>(axis, flip) per voxel axis, as nibabel's <c>ornt</c> array; the identity is ((0, 1), (1, 1), (2, 1)).</summary>
    public readonly record struct Orientation(int[] Axis, int[] Flip)
    {
        public bool IsIdentity => Axis[0] == 0 && Axis[1] == 1 && Axis[2] == 2 && Flip[0] == 1 && Flip[1] == 1 && Flip[2] == 1;

        /// <summary><c>ornt_transform(axcodes2ornt('RAS'), this)</c>: the orientation that takes a RAS array back to this one.</summary>
        public Orientation FromCanonical()
        {
            var axis = new int[3];
            var flip = new int[3];
            for (int e = 0; e < 3; e++)
            {
                axis[Axis[e]] = e;
                flip[Axis[e]] = Flip[e];
            }

            return new Orientation(axis, flip);
        }

        public override string ToString() => $"[[{Axis[0]}, {Flip[0]}], [{Axis[1]}, {Flip[1]}], [{Axis[2]}, {Flip[2]}]]";
    }

    /// <summary>
    /// <c>io_orientation(affine)</c>: the closest shear-free rotation of the unit-column linear part (its polar factor), then
    /// per voxel axis in order the world axis of largest |component| (first on ties), removed from later choices.
    /// </summary>
    public static Orientation Of(ReadOnlySpan<double> affine, string path)
    {
        var rs = new double[9];
        for (int j = 0; j < 3; j++)
        {
            double zoom = ColumnNorm(affine, j);
            zoom = zoom == 0 ? 1 : zoom;
            for (int i = 0; i < 3; i++)
            {
                rs[(3 * i) + j] = affine[(4 * i) + j] / zoom;
            }
        }

        if (!(Math.Abs(Quaternions.Determinant(rs)) > 1e-12))
        {
            throw new NiftiFormatException(path, "affine", "the voxel axes are degenerate (singular affine): nibabel cannot reorient it (OrientationError)");
        }

        double[] r = PolarRotation(rs);
        var axis = new int[3];
        var flip = new int[3];
        for (int input = 0; input < 3; input++)
        {
            int best = 0;
            for (int output = 1; output < 3; output++)
            {
                if (Math.Abs(r[(3 * output) + input]) > Math.Abs(r[(3 * best) + input]))
                {
                    best = output;
                }
            }

            double value = r[(3 * best) + input];
            if (Math.Abs(value) <= 1e-8)
            {
                throw new NiftiFormatException(path, "affine", $"voxel axis {input} has no world direction left: nibabel cannot reorient it (OrientationError)");
            }

            axis[input] = best;
            flip[input] = value < 0 ? -1 : 1;
            for (int j = 0; j < 3; j++)
            {
                r[(3 * best) + j] = 0;
            }
        }

        return new Orientation(axis, flip);
    }

    /// <summary><c>inv_ornt_aff(ornt, shape)</c>: maps indices of the reoriented array to indices of the array of <paramref name="shapeXyz"/>.</summary>
    public static double[] InverseAffine(Orientation ornt, ReadOnlySpan<int> shapeXyz)
    {
        var m = new double[16];
        for (int r = 0; r < 3; r++)
        {
            m[(4 * r) + ornt.Axis[r]] = ornt.Flip[r];
            double centre = -(shapeXyz[r] - 1) / 2.0;
            m[(4 * r) + 3] = (ornt.Flip[r] * centre) - centre;
        }

        m[15] = 1;
        return m;
    }

    /// <summary><c>numpy.dot(a, b)</c> of two 4x4 matrices as OpenBLAS computes it (zero start, fused multiply-adds in k order).</summary>
    public static double[] Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var c = new double[16];
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                double sum = 0;
                for (int k = 0; k < 4; k++)
                {
                    sum = Math.FusedMultiplyAdd(a[(4 * i) + k], b[(4 * k) + j], sum);
                }

                c[(4 * i) + j] = sum;
            }
        }

        return c;
    }

    /// <summary>The shape (x, y, z) of an array of <paramref name="shapeXyz"/> after <paramref name="ornt"/>.</summary>
    public static int[] Reoriented(Orientation ornt, ReadOnlySpan<int> shapeXyz)
    {
        var shape = new int[3];
        for (int a = 0; a < 3; a++)
        {
            shape[ornt.Axis[a]] = shapeXyz[a];
        }

        return shape;
    }

    /// <summary>
    /// <c>apply_orientation</c> on one channel stored x fastest (nnU-Net's (z, y, x) of the nibabel (x, y, z) array):
    /// flips, then the transpose that puts voxel axis a at position <c>ornt.Axis[a]</c>.
    /// </summary>
    public static void Apply<T>(Orientation ornt, ReadOnlySpan<int> shapeXyz, ReadOnlySpan<T> source, Span<T> destination)
    {
        long[] strides = [1, shapeXyz[0], (long)shapeXyz[0] * shapeXyz[1]];
        int[] outShape = Reoriented(ornt, shapeXyz);
        var step = new long[3];
        long start = 0;
        for (int a = 0; a < 3; a++)
        {
            int m = ornt.Axis[a];
            step[m] = ornt.Flip[a] * strides[a];
            if (ornt.Flip[a] < 0)
            {
                start += (shapeXyz[a] - 1) * strides[a];
            }
        }

        int o = 0;
        long zOffset = start;
        for (int z = 0; z < outShape[2]; z++, zOffset += step[2])
        {
            long yOffset = zOffset;
            for (int y = 0; y < outShape[1]; y++, yOffset += step[1])
            {
                long offset = yOffset;
                for (int x = 0; x < outShape[0]; x++, offset += step[0])
                {
                    destination[o++] = source[(int)offset];
                }
            }
        }
    }

    /// <summary>numpy's <c>sqrt(sum(RZS * RZS, axis=0))[j]</c>: squares summed top to bottom, never fused.</summary>
    public static double ColumnNorm(ReadOnlySpan<double> affine, int j)
    {
        double a = affine[j] * affine[j], b = affine[4 + j] * affine[4 + j], c = affine[8 + j] * affine[8 + j];
        return Math.Sqrt(a + b + c);
    }

    /// <summary>
    /// The orthogonal polar factor of a non-singular 3x3 (what nibabel gets as U·Vᵀ from its SVD) by Newton's iteration
    /// X ← (X + X⁻ᵀ) / 2; only the order of magnitudes of its entries is used, so a last-bit difference cannot matter
    /// except at exact ties, which both break towards the first axis.
    /// </summary>
    private static double[] PolarRotation(double[] m)
    {
        double[] x = (double[])m.Clone();
        for (int iteration = 0; iteration < 100; iteration++)
        {
            double det = Quaternions.Determinant(x);
            var next = new double[9];
            double change = 0;
            for (int i = 0; i < 3; i++)
            {
                for (int j = 0; j < 3; j++)
                {
                    // (X⁻ᵀ)[i, j] = cofactor(i, j) / det.
                    int i1 = (i + 1) % 3, i2 = (i + 2) % 3, j1 = (j + 1) % 3, j2 = (j + 2) % 3;
                    double cofactor = (x[(3 * i1) + j1] * x[(3 * i2) + j2]) - (x[(3 * i1) + j2] * x[(3 * i2) + j1]);
                    next[(3 * i) + j] = 0.5 * (x[(3 * i) + j] + (cofactor / det));
                    change = Math.Max(change, Math.Abs(next[(3 * i) + j] - x[(3 * i) + j]));
                }
            }

            x = next;
            if (change < 1e-15)
            {
                break;
            }
        }

        return x;
    }
}
