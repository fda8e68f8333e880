using System.Numerics.Tensors;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>
    /// fp16 division as PyTorch computes it, effectively
    /// <c>destination[i] = (Half)((float)numerator[i] / (float)denominator[i])</c>. A true division, not a reciprocal.
    /// </summary>
    /// <remarks>
    /// nnU-Net: <c>predicted_logits /= n_predictions</c> at the end of the sliding window (contract §4.4).
    /// <paramref name="destination"/> may be <paramref name="numerator"/> (in place).
    /// </remarks>
    public static void DivideHalf(ReadOnlySpan<Half> numerator, ReadOnlySpan<Half> denominator, Span<Half> destination)
    {
        if (denominator.Length != numerator.Length)
        {
            ThrowLengthMismatch(nameof(denominator), numerator.Length, denominator.Length);
        }

        if (destination.Length != numerator.Length)
        {
            ThrowLengthMismatch(nameof(destination), numerator.Length, destination.Length);
        }

        Span<float> quotient = stackalloc float[HalfChunk];
        Span<float> divisor = stackalloc float[HalfChunk];
        for (int start = 0; start < numerator.Length; start += HalfChunk)
        {
            int count = Math.Min(HalfChunk, numerator.Length - start);
            TensorPrimitives.ConvertToSingle(numerator.Slice(start, count), quotient[..count]);
            TensorPrimitives.ConvertToSingle(denominator.Slice(start, count), divisor[..count]);
            TensorPrimitives.Divide(quotient[..count], divisor[..count], quotient[..count]);
            TensorPrimitives.ConvertToHalf(quotient[..count], destination.Slice(start, count));
        }
    }

    /// <summary>
    /// fp16 division by a scalar, effectively <c>destination[i] = (Half)((float)x[i] / (float)divisor)</c>.
    /// </summary>
    /// <remarks>nnU-Net: <c>prediction /= len(list_of_parameters)</c> after the fp16 fold sum (contract §4.7).</remarks>
    public static void DivideHalf(ReadOnlySpan<Half> x, Half divisor, Span<Half> destination)
    {
        if (destination.Length != x.Length)
        {
            ThrowLengthMismatch(nameof(destination), x.Length, destination.Length);
        }

        float wideDivisor = (float)divisor;
        Span<float> quotient = stackalloc float[HalfChunk];
        for (int start = 0; start < x.Length; start += HalfChunk)
        {
            int count = Math.Min(HalfChunk, x.Length - start);
            TensorPrimitives.ConvertToSingle(x.Slice(start, count), quotient[..count]);
            TensorPrimitives.Divide(quotient[..count], wideDivisor, quotient[..count]);
            TensorPrimitives.ConvertToHalf(quotient[..count], destination.Slice(start, count));
        }
    }
}
