using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>
    /// Adds a Gaussian-weighted fp32 prediction to an fp16 accumulator, effectively computing
    /// <c>accumulator[i] = (Half)((float)accumulator[i] + prediction[i] * (float)weights[i])</c>.
    /// The product is rounded to float before the add (no fused multiply-add) and the sum is rounded once to half.
    /// NaN and infinities propagate as in IEEE arithmetic.
    /// </summary>
    /// <remarks>
    /// nnU-Net on the CPU: <c>prediction *= gaussian</c> (fp32 × fp16 → fp32) then <c>predicted_logits[sl] += prediction</c>
    /// (fp16 destination) in <c>_internal_predict_sliding_window_return_logits</c>; nnunet-parity.md §0 and §4.4.
    /// </remarks>
    public static void AccumulateWeighted(ReadOnlySpan<float> prediction, ReadOnlySpan<Half> weights, Span<Half> accumulator)
    {
        ValidateAccumulateLengths(prediction.Length, weights.Length, accumulator.Length);
        InvokeHalf(accumulator, weights, prediction, accumulator, default(AccumulateWeightedOperator));
    }

    /// <summary>
    /// <see cref="AccumulateWeighted(ReadOnlySpan{float}, ReadOnlySpan{Half}, Span{Half})"/> with the fp16 weights already
    /// widened to float32 (exact): the sliding window widens a Gaussian plane once and adds every class with it.
    /// </summary>
    public static void AccumulateWeighted(ReadOnlySpan<float> prediction, ReadOnlySpan<float> weights, Span<Half> accumulator)
    {
        ValidateAccumulateLengths(prediction.Length, weights.Length, accumulator.Length);
        InvokeHalf(accumulator, weights, prediction, accumulator, default(AccumulateWeightedOperator));
    }

    private static void ValidateAccumulateLengths(int prediction, int weights, int accumulator)
    {
        if (weights != prediction)
        {
            ThrowLengthMismatch(nameof(weights), prediction, weights);
        }

        if (accumulator != prediction)
        {
            ThrowLengthMismatch(nameof(accumulator), prediction, accumulator);
        }
    }

    /// <summary>
    /// x = accumulator, y = weight, z = prediction: <c>x + (z · y)</c>, the product rounded to float32 before the add.
    /// Written as a separate multiply and add, which .NET never contracts into a fused multiply-add.
    /// </summary>
    private readonly struct AccumulateWeightedOperator : IHalfOperator
    {
        public static bool ReadsY => true;

        public static bool ReadsZ => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x, float y, float z)
        {
            float product = z * y;
            return x + product;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> z)
        {
            Vector256<float> product = z * y;
            return x + product;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> z)
        {
            Vector512<float> product = z * y;
            return x + product;
        }
    }
}
