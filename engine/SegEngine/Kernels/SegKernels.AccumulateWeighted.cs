using System.Numerics.Tensors;

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
    /// (fp16 destination) in <c>_internal_predict_sliding_window_return_logits</c>; contract §0 and §4.4.
    /// The vector work is TensorPrimitives' (Vector512 where accelerated, scalar tail), chunked through the stack.
    /// </remarks>
    public static void AccumulateWeighted(ReadOnlySpan<float> prediction, ReadOnlySpan<Half> weights, Span<Half> accumulator)
    {
        if (weights.Length != prediction.Length)
        {
            ThrowLengthMismatch(nameof(weights), prediction.Length, weights.Length);
        }

        if (accumulator.Length != prediction.Length)
        {
            ThrowLengthMismatch(nameof(accumulator), prediction.Length, accumulator.Length);
        }

        Span<float> sum = stackalloc float[HalfChunk];
        Span<float> product = stackalloc float[HalfChunk];
        for (int start = 0; start < prediction.Length; start += HalfChunk)
        {
            int count = Math.Min(HalfChunk, prediction.Length - start);
            Span<float> chunkProduct = product[..count];
            Span<float> chunkSum = sum[..count];
            Span<Half> chunkAccumulator = accumulator.Slice(start, count);

            TensorPrimitives.ConvertToSingle(weights.Slice(start, count), chunkProduct);
            TensorPrimitives.Multiply(prediction.Slice(start, count), chunkProduct, chunkProduct);
            TensorPrimitives.ConvertToSingle(chunkAccumulator, chunkSum);
            TensorPrimitives.Add(chunkSum, chunkProduct, chunkSum);
            TensorPrimitives.ConvertToHalf(chunkSum, chunkAccumulator);
        }
    }
}
