namespace SegEngine.Tests.Reference;

/// <summary>Plain scalar twins of the float64 resampling kernels (nnunet-parity.md §3.5), one voxel at a time.</summary>
internal static class NaiveResamplingKernels
{
    /// <summary><c>np.clip(x, min, max).astype(np.float32)</c>: NumPy's max-then-min where a NaN operand wins.</summary>
    public static void ClipToSingle(double[] x, double min, double max, float[] destination)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double raised = double.IsNaN(x[i]) ? x[i] : (x[i] > min ? x[i] : min);
            double clipped = double.IsNaN(raised) ? raised : (raised < max ? raised : max);
            destination[i] = (float)clipped;
        }
    }

    /// <summary>SciPy's tap sum: each tap times the outer weights in axis order, times its x weight, added in tap order.</summary>
    public static void AccumulateTaps(double[] tapValues, double[] weightsX, double[] outerWeights, double[] accumulator)
    {
        int n = accumulator.Length;
        for (int c = 0; c < tapValues.Length / n; c++)
        {
            for (int i = 0; i < n; i++)
            {
                double v = tapValues[c * n + i];
                foreach (double w in outerWeights)
                {
                    v *= w;
                }

                v *= weightsX[c * n + i];
                accumulator[i] += v;
            }
        }
    }
}
