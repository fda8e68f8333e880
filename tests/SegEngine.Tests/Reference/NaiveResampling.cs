namespace SegEngine.Tests.Reference;

/// <summary>
/// Plain scalar twins of the resampling kernels, written straight from nnunet-parity.md §3.5: a whole padded float64
/// coefficient volume, three filter passes, and the tap loop of SciPy's zoom.
/// </summary>
internal static class NaiveResampling
{
    public static void PrefilterLine(double[] c)
    {
        int n = c.Length;
        if (n < 2)
        {
            return;
        }

        double z = -0.267949192431122706472553658494127633;
        double gain = 1.0 * (1.0 - z) * (1.0 - 1.0 / z);
        for (int i = 0; i < n; i++)
        {
            c[i] = c[i] * gain;
        }

        double zn = Math.Pow(z, n);
        double c0 = c[0];
        c[0] = c[0] + zn * c[n - 1];
        double zi = z;
        for (int i = 1; i < n; i++)
        {
            c[0] = c[0] + zi * (c[i] + zn * c[n - 1 - i]);
            zi = zi * z;
        }

        c[0] = c[0] * (z / (1.0 - zn * zn));
        c[0] = c[0] + c0;
        for (int i = 1; i < n; i++)
        {
            c[i] = c[i] + z * c[i - 1];
        }

        c[n - 1] = c[n - 1] * (z / (z - 1.0));
        for (int i = n - 2; i >= 0; i--)
        {
            c[i] = z * (c[i + 1] - c[i]);
        }
    }

    /// <summary>One output coordinate's first tap and weights, per nnunet-parity.md §3.5.</summary>
    public static (int Start, double[] Weights) Taps(int o, int n, int m, int order)
    {
        double zoom = (double)n / m;
        double cc = ((o + 0.5) * zoom - 0.5) + (order == 3 ? 12 : 0);
        double t = cc - Math.Floor(cc);
        switch (order)
        {
            case 0:
                return ((int)Math.Floor(cc + 0.5), [1.0]);
            case 1:
            {
                double w0 = 1.0 - t;
                return ((int)Math.Floor(cc), [w0, 1.0 - w0]);
            }

            default:
            {
                double zz = 1.0 - t;
                double w0 = zz * zz * zz / 6.0;
                double w1 = (t * t * (t - 2.0) * 3.0 + 4.0) / 6.0;
                double w2 = (zz * zz * (zz - 2.0) * 3.0 + 4.0) / 6.0;
                return ((int)Math.Floor(cc) - 1, [w0, w1, w2, ((1.0 - w0) - w1) - w2]);
            }
        }
    }

    /// <summary>SciPy's <c>zoom(mode='nearest', grid_mode=True)</c> of an N-D (2 or 3) array, float64, no clip.</summary>
    public static double[] Zoom(float[] input, int[] inShape, int[] outShape, int order)
    {
        int rank = inShape.Length;
        int pad = order == 3 ? 12 : 0;
        int[] shape = inShape.Select(s => s + 2 * pad).ToArray();
        int[] strides = new int[rank];
        strides[rank - 1] = 1;
        for (int d = rank - 2; d >= 0; d--)
        {
            strides[d] = strides[d + 1] * shape[d + 1];
        }

        int total = shape.Aggregate(1, (a, b) => a * b);
        var c = new double[total];
        var index = new int[rank];
        for (int flat = 0; flat < total; flat++)
        {
            int rest = flat;
            int source = 0;
            int sourceStride = 1;
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d] = rest % shape[d];
                rest /= shape[d];
            }

            for (int d = rank - 1; d >= 0; d--)
            {
                source += Math.Clamp(index[d] - pad, 0, inShape[d] - 1) * sourceStride;
                sourceStride *= inShape[d];
            }

            c[flat] = input[source];
        }

        if (order == 3)
        {
            for (int axis = 0; axis < rank; axis++)
            {
                var line = new double[shape[axis]];
                for (int flat = 0; flat < total; flat++)
                {
                    if ((flat / strides[axis]) % shape[axis] != 0)
                    {
                        continue;
                    }

                    for (int i = 0; i < line.Length; i++)
                    {
                        line[i] = c[flat + i * strides[axis]];
                    }

                    PrefilterLine(line);
                    for (int i = 0; i < line.Length; i++)
                    {
                        c[flat + i * strides[axis]] = line[i];
                    }
                }
            }
        }

        int outTotal = outShape.Aggregate(1, (a, b) => a * b);
        var result = new double[outTotal];
        var o = new int[rank];
        for (int flat = 0; flat < outTotal; flat++)
        {
            int rest = flat;
            for (int d = rank - 1; d >= 0; d--)
            {
                o[d] = rest % outShape[d];
                rest /= outShape[d];
            }

            var taps = Enumerable.Range(0, rank).Select(d => Taps(o[d], inShape[d], outShape[d], order)).ToArray();
            int k = order + 1;
            int tapCount = (int)Math.Pow(k, rank);
            double t = 0.0;
            for (int tap = 0; tap < tapCount; tap++)
            {
                int r = tap;
                var digit = new int[rank];
                for (int d = rank - 1; d >= 0; d--)
                {
                    digit[d] = r % k;
                    r /= k;
                }

                int at = 0;
                for (int d = 0; d < rank; d++)
                {
                    int i = taps[d].Start + digit[d];
                    at += (order == 3 ? i : Math.Clamp(i, 0, inShape[d] - 1)) * strides[d];
                }

                double v = c[at];
                for (int d = 0; d < rank; d++)
                {
                    v = v * taps[d].Weights[digit[d]];
                }

                t = t + v;
            }

            result[flat] = t;
        }

        return result;
    }
}
