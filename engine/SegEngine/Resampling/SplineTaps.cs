namespace SegEngine.Resampling;

/// <summary>
/// Where every output index of one axis reads its input and with which weights, for SciPy's spline <c>zoom</c>
/// (<c>grid_mode=True</c>, <c>mode='nearest'</c>) of order 0, 1 or 3, as skimage's <c>resize</c> calls it.
/// </summary>
/// <remarks>
/// nnunet-parity.md §3.5 ("skimage resize as used here"): cc = ((o + 0.5)·zoom − 0.5) + pad, zoom = n/m in float64.
/// Order 3 indexes the edge-padded array (pad 12; taps never leave it), order 1 clamps each tap, order 0 picks
/// clamp(floor(cc + 0.5)). Order 0 is also nnU-Net's separate-z selection (<c>map_coordinates</c>, order 0, nearest),
/// whose coordinate scale·(o + 0.5) − 0.5 with scale = n/m is the same number.
/// </remarks>
internal sealed class SplineTaps
{
    /// <summary>Edge padding SciPy adds per side before the cubic prefilter (<c>_prepad_for_spline_filter</c>).</summary>
    public const int SplinePadding = 12;

    private SplineTaps(int inputLength, int outputLength, int tapCount, int[] indexByTap, double[] weightByTap)
    {
        InputLength = inputLength;
        OutputLength = outputLength;
        TapCount = tapCount;
        IndexByTap = indexByTap;
        WeightByTap = weightByTap;
    }

    public int InputLength { get; }

    public int OutputLength { get; }

    /// <summary>1 (order 0), 2 (order 1) or 4 (order 3).</summary>
    public int TapCount { get; }

    /// <summary>Input index of tap k for output o at [k·OutputLength + o] (padded coordinates for order 3).</summary>
    public int[] IndexByTap { get; }

    /// <summary>Weight of tap k for output o at [k·OutputLength + o].</summary>
    public double[] WeightByTap { get; }

    public int Index(int output, int tap) => IndexByTap[tap * OutputLength + output];

    public double Weight(int output, int tap) => WeightByTap[tap * OutputLength + output];

    public static SplineTaps Create(int inputLength, int outputLength, int order)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputLength);
        int taps = order switch
        {
            0 => 1,
            1 => 2,
            3 => 4,
            _ => throw new ArgumentOutOfRangeException(nameof(order), order, "order must be 0, 1 or 3"),
        };
        double zoom = (double)inputLength / outputLength;
        int pad = order == 3 ? SplinePadding : 0;
        var index = new int[taps * outputLength];
        var weight = new double[taps * outputLength];
        Span<double> w = stackalloc double[4];
        for (int o = 0; o < outputLength; o++)
        {
            double cc = ((o + 0.5) * zoom - 0.5) + pad;
            int start = order switch
            {
                0 => (int)Math.Floor(cc + 0.5),
                1 => (int)Math.Floor(cc),
                _ => (int)Math.Floor(cc) - 1,
            };
            SplineWeights(cc, order, w);
            for (int k = 0; k < taps; k++)
            {
                int i = start + k;
                index[k * outputLength + o] = order == 3 ? i : Math.Clamp(i, 0, inputLength - 1);
                weight[k * outputLength + o] = w[k];
            }
        }

        return new SplineTaps(inputLength, outputLength, taps, index, weight);
    }

    /// <summary>SciPy's <c>get_spline_interpolation_weights</c> for orders 0, 1 and 3, as the contract spells them out.</summary>
    public static void SplineWeights(double cc, int order, Span<double> weights)
    {
        switch (order)
        {
            case 0:
                weights[0] = 1.0;
                break;
            case 1:
            {
                double t = cc - Math.Floor(cc);
                weights[0] = 1.0 - t;
                weights[1] = 1.0 - weights[0];
                break;
            }

            case 3:
            {
                double y = cc - Math.Floor(cc);
                double z = 1.0 - y;
                weights[0] = z * z * z / 6.0;
                weights[1] = (y * y * (y - 2.0) * 3.0 + 4.0) / 6.0;
                weights[2] = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0;
                weights[3] = 1.0 - weights[0] - weights[1] - weights[2];
                break;
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(order), order, "order must be 0, 1 or 3");
        }
    }
}
