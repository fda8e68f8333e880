using System.Numerics.Tensors;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>
    /// fp16 in-place addition as PyTorch computes it, effectively
    /// <c>accumulator[i] = (Half)((float)accumulator[i] + (float)addend[i])</c> (one rounding to half per add).
    /// </summary>
    /// <remarks>
    /// nnU-Net: <c>n_predictions[sl[1:]] += gaussian</c> (nnunet-parity.md §4.4) and the fold sum <c>prediction += fold_prediction</c>
    /// in <c>predict_logits_from_preprocessed_data</c> (nnunet-parity.md §4.7). <paramref name="addend"/> may be the accumulator itself.
    /// </remarks>
    public static void AddHalf(ReadOnlySpan<Half> addend, Span<Half> accumulator)
    {
        if (accumulator.Length != addend.Length)
        {
            ThrowLengthMismatch(nameof(accumulator), addend.Length, accumulator.Length);
        }

        Span<float> sum = stackalloc float[HalfChunk];
        Span<float> term = stackalloc float[HalfChunk];
        for (int start = 0; start < addend.Length; start += HalfChunk)
        {
            int count = Math.Min(HalfChunk, addend.Length - start);
            Span<Half> chunkAccumulator = accumulator.Slice(start, count);
            TensorPrimitives.ConvertToSingle(addend.Slice(start, count), term[..count]);
            TensorPrimitives.ConvertToSingle(chunkAccumulator, sum[..count]);
            TensorPrimitives.Add(sum[..count], term[..count], sum[..count]);
            TensorPrimitives.ConvertToHalf(sum[..count], chunkAccumulator);
        }
    }
}
