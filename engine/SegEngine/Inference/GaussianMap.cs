namespace SegEngine.Inference;

/// <summary>The fp16 importance map that weights every tile's prediction before accumulation.</summary>
/// <remarks>
/// nnU-Net's <c>compute_gaussian(tile_size, sigma_scale=1/8, value_scaling_factor=10, dtype=float16)</c> in
/// <c>inference/sliding_window_prediction.py</c>, which smooths a centred delta with SciPy's <c>gaussian_filter</c>
/// (nnunet-parity.md §4.3). The separable product below equals the filtered delta exactly: each output voxel receives a
/// single non-zero product per axis. Arithmetic is float64, then double → float → half.
/// </remarks>
internal static class GaussianMap
{
    private const double SigmaScale = 1.0 / 8;
    private const double ValueScalingFactor = 10;

    /// <summary>The map for a 2-D or 3-D tile, C order (last axis fastest).</summary>
    public static Half[] Compute(IReadOnlyList<int> tileSize)
    {
        if (tileSize.Count is not (2 or 3))
        {
            throw new ArgumentException($"a tile has 2 or 3 axes, got {tileSize.Count}", nameof(tileSize));
        }

        double[][] kernels = tileSize.Select(AxisWeights).ToArray();
        long voxels = tileSize.Aggregate(1L, (a, b) => a * b);
        if (voxels > Array.MaxLength)
        {
            throw new ArgumentException($"tile {string.Join("x", tileSize)} is too large", nameof(tileSize));
        }

        var map = new double[voxels];
        double[] outer = tileSize.Count == 3 ? kernels[0] : [1.0];
        double[] middle = kernels[^2];
        double[] inner = kernels[^1];
        int index = 0;
        foreach (double a in outer)
        {
            foreach (double b in middle)
            {
                // 3-D: (g0·g1)·g2 in gaussian_filter's axis order; 2-D: g0·g1 (no leading factor, not even 1.0·).
                double ab = tileSize.Count == 3 ? a * b : b;
                foreach (double c in inner)
                {
                    map[index++] = ab * c;
                }
            }
        }

        double scale = map.Max() / ValueScalingFactor;
        var result = new Half[voxels];
        Half smallest = Half.MaxValue;
        for (int i = 0; i < map.Length; i++)
        {
            result[i] = (Half)(float)(map[i] / scale);
            if (result[i] != Half.Zero && result[i] < smallest)
            {
                smallest = result[i];
            }
        }

        for (int i = 0; i < result.Length; i++)
        {
            if (result[i] == Half.Zero)
            {
                result[i] = smallest;
            }
        }

        return result;
    }

    /// <summary>SciPy's normalised, truncated 1-D Gaussian placed at the axis centre n//2, zero beyond the radius.</summary>
    private static double[] AxisWeights(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length, nameof(length));
        double sigma = length * SigmaScale;
        int radius = (int)(4.0 * sigma + 0.5);

        // scipy.ndimage._gaussian_kernel1d: phi = exp(-0.5 / sigma² · x²) over x = -r..r, divided by its NumPy sum.
        var phi = new double[2 * radius + 1];
        double factor = -0.5 / (sigma * sigma);
        for (int i = 0; i < phi.Length; i++)
        {
            double x = i - radius;
            phi[i] = Math.Exp(factor * (x * x));
        }

        double sum = PairwiseSum(phi);
        int centre = length / 2;
        var weights = new double[length];
        for (int k = 0; k < length; k++)
        {
            int distance = k - centre;
            if (Math.Abs(distance) <= radius)
            {
                weights[k] = phi[distance + radius] / sum;
            }
        }

        return weights;
    }

    /// <summary>NumPy's float64 pairwise summation (<c>pairwise_sum</c>, blocks of 8, 128 unrolled), added to 0.</summary>
    private static double PairwiseSum(ReadOnlySpan<double> values)
    {
        int n = values.Length;
        if (n < 8)
        {
            double sequential = 0;
            foreach (double v in values)
            {
                sequential += v;
            }

            return sequential;
        }

        if (n <= 128)
        {
            Span<double> r = stackalloc double[8];
            values[..8].CopyTo(r);
            int i = 8;
            for (; i < n - (n % 8); i += 8)
            {
                for (int j = 0; j < 8; j++)
                {
                    r[j] += values[i + j];
                }
            }

            double result = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++)
            {
                result += values[i];
            }

            return result;
        }

        int half = n / 2;
        half -= half % 8;
        return PairwiseSum(values[..half]) + PairwiseSum(values[half..]);
    }
}
