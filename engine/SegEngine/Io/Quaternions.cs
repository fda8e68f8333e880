namespace SegEngine.Io;

/// <summary>Rotation-matrix helpers shared by the NIfTI writers (row-major 3x3 in double).</summary>
internal static class Quaternions
{
    public static double Determinant(ReadOnlySpan<double> m) =>
        (m[0] * ((m[4] * m[8]) - (m[5] * m[7])))
        - (m[1] * ((m[3] * m[8]) - (m[5] * m[6])))
        + (m[2] * ((m[3] * m[7]) - (m[4] * m[6])));

    /// <summary>
    /// The (b, c, d) of the unit quaternion of a proper rotation, with a ≥ 0 (NIfTI's convention): the trace formula when
    /// the trace is large, else the largest diagonal element's branch (nifti1.h's method 2 inverted).
    /// </summary>
    public static (double B, double C, double D) FromRotation(ReadOnlySpan<double> r)
    {
        double a = r[0] + r[4] + r[8] + 1.0, b, c, d;
        if (a > 0.5)
        {
            a = 0.5 * Math.Sqrt(a);
            b = 0.25 * (r[7] - r[5]) / a;
            c = 0.25 * (r[2] - r[6]) / a;
            d = 0.25 * (r[3] - r[1]) / a;
        }
        else
        {
            double xd = 1.0 + r[0] - (r[4] + r[8]);
            double yd = 1.0 + r[4] - (r[0] + r[8]);
            double zd = 1.0 + r[8] - (r[0] + r[4]);
            if (xd > 1.0)
            {
                b = 0.5 * Math.Sqrt(xd);
                c = 0.25 * (r[1] + r[3]) / b;
                d = 0.25 * (r[2] + r[6]) / b;
                a = 0.25 * (r[7] - r[5]) / b;
            }
            else if (yd > 1.0)
            {
                c = 0.5 * Math.Sqrt(yd);
                b = 0.25 * (r[1] + r[3]) / c;
                d = 0.25 * (r[5] + r[7]) / c;
                a = 0.25 * (r[2] - r[6]) / c;
            }
            else
            {
                d = 0.5 * Math.Sqrt(zd);
                b = 0.25 * (r[2] + r[6]) / d;
                c = 0.25 * (r[5] + r[7]) / d;
                a = 0.25 * (r[3] - r[1]) / d;
            }

            if (a < 0.0)
            {
                (b, c, d) = (-b, -c, -d);
            }
        }

        return (b, c, d);
    }

    /// <summary>
    /// The orthogonal polar factor of a nonsingular 3x3 (what nibabel's <c>P @ Qs</c> from an SVD gives), by Newton's
    /// iteration X ← (X + X⁻ᵀ)/2 until it stops changing; an orthogonal input comes back unchanged to rounding.
    /// </summary>
    public static double[] NearestRotation(ReadOnlySpan<double> m)
    {
        double[] x = m.ToArray();
        for (int iteration = 0; iteration < 100; iteration++)
        {
            double det = Determinant(x);
            if (det == 0 || !double.IsFinite(det))
            {
                return m.ToArray();
            }

            // Inverse transpose = cofactor matrix / det.
            double[] next =
            [
                0.5 * (x[0] + (((x[4] * x[8]) - (x[5] * x[7])) / det)),
                0.5 * (x[1] + (((x[5] * x[6]) - (x[3] * x[8])) / det)),
                0.5 * (x[2] + (((x[3] * x[7]) - (x[4] * x[6])) / det)),
                0.5 * (x[3] + (((x[2] * x[7]) - (x[1] * x[8])) / det)),
                0.5 * (x[4] + (((x[0] * x[8]) - (x[2] * x[6])) / det)),
                0.5 * (x[5] + (((x[1] * x[6]) - (x[0] * x[7])) / det)),
                0.5 * (x[6] + (((x[1] * x[5]) - (x[2] * x[4])) / det)),
                0.5 * (x[7] + (((x[2] * x[3]) - (x[0] * x[5])) / det)),
                0.5 * (x[8] + (((x[0] * x[4]) - (x[1] * x[3])) / det)),
            ];
            double change = 0;
            for (int i = 0; i < 9; i++)
            {
                change = Math.Max(change, Math.Abs(next[i] - x[i]));
            }

            x = next;
            if (change < 1e-15)
            {
                break;
            }
        }

        return x;
    }

    /// <summary>NIfTI-1 stores sizes as 16-bit integers.</summary>
    public static void CheckNifti1Extent(Shape3 shape, string source)
    {
        if (shape.X > short.MaxValue || shape.Y > short.MaxValue || shape.Z > short.MaxValue)
        {
            throw new SegEngineException(
                SegErrorCode.Unsupported,
                $"the segmentation of {source} has shape {shape} (z, y, x); NIfTI-1 allows at most {short.MaxValue} per axis");
        }
    }
}
