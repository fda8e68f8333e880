namespace SegEngine.Tests.Reference;

/// <summary>Scalar twins of the fused normalisation kernels: one NumPy step at a time (nnunet-parity.md §3.4).</summary>
internal static class NaiveNormalization
{
    /// <summary>NumPy 1.24's clip ufunc for floats: min(max(x, lo), hi) where a NaN first operand wins.</summary>
    public static float Clip(float x, float lower, float upper)
    {
        float raised = float.IsNaN(x) ? x : (x > lower ? x : lower);
        return float.IsNaN(raised) ? raised : (raised < upper ? raised : upper);
    }

    public static void ClipSubtractDivide(float[] x, float lower, float upper, float subtrahend, float divisor, float[] destination)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float clipped = Clip(x[i], lower, upper);
            float shifted = clipped - subtrahend;
            destination[i] = shifted / divisor;
        }
    }

    public static void SubtractDivideMasked(float[] x, byte[] mask, float subtrahend, float divisor, float[] destination)
    {
        for (int i = 0; i < x.Length; i++)
        {
            destination[i] = mask[i] != 0 ? (x[i] - subtrahend) / divisor : x[i];
        }
    }

    public static void SubtractDivide(float[] x, float subtrahend, float divisor, float[] destination)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float shifted = x[i] - subtrahend;
            destination[i] = shifted / divisor;
        }
    }

    /// <summary>NumPy's <c>x[mask]</c>, stopping as soon as <paramref name="destination"/> is full; returns (written, elements read).</summary>
    public static (int Written, int Consumed) CompressMasked(float[] x, byte[] mask, float[] destination)
    {
        int written = 0;
        int i = 0;
        while (i < x.Length && written < destination.Length)
        {
            if (mask[i] != 0)
            {
                destination[written] = x[i];
                written++;
            }

            i++;
        }

        return (written, i);
    }
}
