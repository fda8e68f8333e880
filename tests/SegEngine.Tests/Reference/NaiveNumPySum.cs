namespace SegEngine.Tests.Reference;

/// <summary>Plain scalar restatement of NumPy's float32 pairwise sum and its 8192-element chunking (nnunet-parity.md §3.4).</summary>
internal static class NaiveNumPySum
{
    public static float Pairwise(float[] x, int start, int n)
    {
        if (n < 8)
        {
            float result = 0f;
            for (int i = 0; i < n; i++)
            {
                result += x[start + i];
            }

            return result;
        }

        if (n <= 128)
        {
            float[] r = new float[8];
            for (int j = 0; j < 8; j++)
            {
                r[j] = x[start + j];
            }

            int i = 8;
            for (; i < n - (n % 8); i += 8)
            {
                for (int j = 0; j < 8; j++)
                {
                    r[j] += x[start + i + j];
                }
            }

            float result = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++)
            {
                result += x[start + i];
            }

            return result;
        }

        int half = n / 2;
        half -= half % 8;
        return Pairwise(x, start, half) + Pairwise(x, start + half, n - half);
    }

    public static float Sum(float[] x)
    {
        float accumulator = 0f;
        for (int start = 0; start < x.Length; start += 8192)
        {
            accumulator += Pairwise(x, start, Math.Min(8192, x.Length - start));
        }

        return accumulator;
    }

    /// <summary>NumPy's <c>std</c>: the f32 mean by an f32 division, then Σ f32(f32(x − m)²), divided in float64.</summary>
    public static (float Mean, float Std) MeanAndStd(float[] x)
    {
        float sum = Sum(x);
        float varianceMean = sum / x.Length;
        float[] squares = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            float d = x[i] - varianceMean;
            squares[i] = d * d;
        }

        float variance = (float)((double)Sum(squares) / x.Length);
        return ((float)((double)sum / x.Length), MathF.Sqrt(variance));
    }
}
