namespace SegEngine.Tests.Reference;

/// <summary>Plain scalar twins of the export's tap-sum kernels (<c>SegKernels.ScaleHalfToDouble</c>, <c>TrilinearTapSum</c>, <c>RoundToHalf</c>).</summary>
internal static class NaiveTapSum
{
    public static double[] Scale(Half[] source, double first, double second) =>
        source.Select(v => ((double)v * first) * second).ToArray();

    /// <summary>The 8 terms of each voxel in skimage's order: rows r0..r3, and within a row the low tap before the high one.</summary>
    public static double[] Sum(double[][] rows, int[] low, int[] high, double[] weightLow, double[] weightHigh)
    {
        var result = new double[low.Length];
        for (int i = 0; i < low.Length; i++)
        {
            double t = 0.0;
            foreach (double[] row in rows)
            {
                t += row[low[i]] * weightLow[i];
                t += row[high[i]] * weightHigh[i];
            }

            result[i] = t;
        }

        return result;
    }

    /// <summary>NumPy's astype(float16) of a float64, widened to float32.</summary>
    public static float[] Round(double[] source) => source.Select(v => (float)(Half)v).ToArray();
}
