namespace SegEngine.Tests.Reference;

/// <summary>Plain scalar twins of the scanning kernels: the first matching index, or -1.</summary>
internal static class NaiveIndexOf
{
    public static int NaN(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (float.IsNaN(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    public static int Infinity(ReadOnlySpan<Half> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (Half.IsInfinity(values[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
