namespace SegEngine.Tests.Reference;

/// <summary>Plain scalar twins of the fp16 kernels: the definitions from nnunet-parity.md §0, one element at a time.</summary>
internal static class NaiveKernels
{
    public static void AccumulateWeighted(ReadOnlySpan<float> prediction, ReadOnlySpan<Half> weights, Span<Half> accumulator)
    {
        for (int i = 0; i < prediction.Length; i++)
        {
            float product = prediction[i] * (float)weights[i];
            accumulator[i] = (Half)((float)accumulator[i] + product);
        }
    }

    public static void AddHalf(ReadOnlySpan<Half> addend, Span<Half> accumulator)
    {
        for (int i = 0; i < addend.Length; i++)
        {
            accumulator[i] = (Half)((float)accumulator[i] + (float)addend[i]);
        }
    }

    public static void DivideHalf(ReadOnlySpan<Half> numerator, ReadOnlySpan<Half> denominator, Span<Half> destination)
    {
        for (int i = 0; i < numerator.Length; i++)
        {
            destination[i] = (Half)((float)numerator[i] / (float)denominator[i]);
        }
    }

    public static void DivideHalf(ReadOnlySpan<Half> x, Half divisor, Span<Half> destination)
    {
        for (int i = 0; i < x.Length; i++)
        {
            destination[i] = (Half)((float)x[i] / (float)divisor);
        }
    }
}
